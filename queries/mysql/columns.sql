-- The columns of one table, in table order. The first ? is the table name, the
-- second its database (NULL: the current one).
SELECT CAST(column_name AS CHAR)
FROM information_schema.columns
WHERE table_name = ? AND table_schema = COALESCE(?, DATABASE())
ORDER BY ordinal_position
