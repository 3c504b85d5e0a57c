-- exact, conflict alone, on a SQLite table with row ids and no index on the key:
-- every result row and every log row of the duplicated keys, sorted as
-- interesting_sorted.sql sorts them. The grouping that finds the duplicated keys
-- also lists the row ids of each (group_concat), and their result rows are read
-- back by rowid, not by a second pass over the table comparing every row's key
-- with the keys found; the log, which has no such list, is read by key.
WITH {touched_cte}interesting AS MATERIALIZED (
SELECT {r_key_as}, group_concat(r.rowid) AS row_ids FROM {results} r
WHERE {r_key_not_null} {r_part} {r_touch}
GROUP BY {r_key_group} HAVING COUNT(*) > 1
)
SELECT side, {sorted_columns} FROM (
SELECT 'r' AS side, {r_columns}, {r_order}, {r_pos} FROM {results} r
WHERE r.rowid IN (SELECT CAST(id.value AS INTEGER)
                  FROM interesting i, json_each('[' || i.row_ids || ']') id)
UNION ALL
SELECT 'l' AS side, {l_columns}, {l_order}, {l_pos} FROM {log} l
WHERE ({l_key}) IN (SELECT {k_list} FROM interesting)
) interesting_rows
ORDER BY {order}
