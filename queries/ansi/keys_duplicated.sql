-- exact, conflict: several rows under one key, and how many (n: the scan of
-- PostgreSQL counts the keys of the table from it, without a COUNT(DISTINCT) pass).
-- On a plain PostgreSQL table, first_row and last_row are the lowest and highest
-- row ids (ctid) of the key: the two rows of a key written twice, read back by id
-- without a second pass over the table. Elsewhere they are NULL. On MariaDB
-- without an index on the key, {r_sorted_grouping} has the grouping sort the
-- rows (SQL_BIG_RESULT) rather than count them in a temporary table.
SELECT {r_sorted_grouping}{r_key_as}, COUNT(*) AS n, {r_first_row} AS first_row, {r_last_row} AS last_row FROM {results} r
WHERE {r_key_not_null} {r_part} {r_touch}
GROUP BY {r_key_group} HAVING COUNT(*) > 1
