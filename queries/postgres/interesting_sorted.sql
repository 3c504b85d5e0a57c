-- Every result row and every log row of the keys that can carry a finding, in one
-- query sorted by key in byte order, for a scan in parts without an index on the key
-- in both tables: the client cuts the sorted rows into parts of whole keys as they
-- arrive, so its memory holds one part however many keys there are, and the
-- database's sort, not the client, holds the rest (on disk past work_mem).
-- The CTE is the UNION of the keys_*.sql queries of the classes being checked, as in
-- keys.sql, computed once. On a plain table (rows_by_id_sorted.sql) the rows of a
-- key with exactly two are read by the row ids the grouping found; the other keys'
-- rows with a hash semi-join over the table. The rows are sorted by their key
-- columns as text under the "C" collation, the order of the scan's parts, and on a
-- plain table a key's result rows by row id, in table order.
WITH {touched_cte}interesting AS MATERIALIZED (
{keys}
), by_id AS (
SELECT {k_list}, CAST(first_row AS text) AS first_row, CAST(last_row AS text) AS last_row
FROM interesting
WHERE n = 2 AND first_row <> last_row
)
SELECT side, {sorted_columns} FROM (
{r_by_id}
SELECT 'r' AS side, {r_columns}, {r_order}, {r_pos} FROM {results} r
WHERE ({r_key}) IN (SELECT {k_list} FROM interesting EXCEPT SELECT {k_list} FROM by_id)
UNION ALL
SELECT 'l' AS side, {l_columns}, {l_order}, {l_pos} FROM {log} l
WHERE ({l_key}) IN (SELECT {k_list} FROM interesting)
) interesting_rows
ORDER BY {order}
