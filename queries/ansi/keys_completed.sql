-- multi-complete: the keys with several COMPLETED rows in the log, from one grouping
-- of the log's COMPLETED rows.
SELECT {l_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {log} l
WHERE l.{status} IN ({completed}) AND {l_key_not_null} {l_part} {l_touch}
GROUP BY {l_key_group} HAVING COUNT(*) > 1
