-- The columns of one table of the current database, in table order. ? is the table name.
SELECT CAST(column_name AS CHAR)
FROM information_schema.columns
WHERE table_schema = DATABASE() AND table_name = ?
ORDER BY ordinal_position
