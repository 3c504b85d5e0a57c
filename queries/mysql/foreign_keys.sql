-- The foreign keys of a table (the first ? is its name, the second its database,
-- NULL: the current one), one row per column: the constraint, the column, the table
-- it references and the column there, in key order. For `init`.
SELECT CAST(constraint_name AS CHAR), CAST(column_name AS CHAR),
       CAST(referenced_table_name AS CHAR), CAST(referenced_column_name AS CHAR)
FROM information_schema.key_column_usage
WHERE table_name = ? AND table_schema = COALESCE(?, DATABASE())
  AND referenced_table_name IS NOT NULL
ORDER BY constraint_name, ordinal_position
