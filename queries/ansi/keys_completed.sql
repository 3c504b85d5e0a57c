-- multi-complete: the keys with several COMPLETED rows in the log, from one grouping
-- of the log's COMPLETED rows. On MariaDB, {l_sorted_grouping} has it sort
-- the rows (SQL_BIG_RESULT) rather than count them in a temporary table or walk the
-- key's index, reading each row from the table for its status.
SELECT {l_sorted_grouping}{l_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {log} l
WHERE l.{status} IN ({completed}) AND {l_key_not_null} {l_part} {l_touch}
GROUP BY {l_key_group} HAVING COUNT(*) > 1
