-- The columns of one table, in table order. $1 is the table name, $2 its schema
-- (NULL: the current schema).
SELECT column_name::text
FROM information_schema.columns
WHERE table_schema = COALESCE($2, current_schema()) AND table_name = $1
ORDER BY ordinal_position
