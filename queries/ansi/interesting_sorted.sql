-- Every result row and every log row of the keys that can carry a finding, as
-- interesting.sql reads them, sorted by key in byte order, for a scan in parts: the
-- client cuts the sorted rows into parts of whole keys as they arrive, so its memory
-- holds one part however many keys there are, and the database's sort holds the
-- rest. The sort columns are the key columns as text compared byte for byte (MySQL:
-- cast to BINARY; SQLite: text compares so by default), then a result row's first
-- primary key column, so that a key's rows always come in one order. The keys are
-- named as in interesting.sql.
{with_interesting}SELECT side, {sorted_columns} FROM (
SELECT 'r' AS side, {r_columns}, {r_order}, {r_pos} FROM {results} r
WHERE ({r_key}) IN ({interesting_keys})
UNION ALL
SELECT 'l' AS side, {l_columns}, {l_order}, {l_pos} FROM {log} l
WHERE ({l_key}) IN ({interesting_keys})
) interesting_rows
ORDER BY {order}
