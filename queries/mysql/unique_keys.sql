-- The unique keys of a table (the first ? is its name, the second its database),
-- one row per column in key order, the primary key first. For `init`.
SELECT CAST(index_name AS CHAR), CAST(column_name AS CHAR)
FROM information_schema.statistics
WHERE table_name = ? AND table_schema = COALESCE(?, DATABASE()) AND non_unique = 0
ORDER BY index_name <> 'PRIMARY', index_name, seq_in_index
