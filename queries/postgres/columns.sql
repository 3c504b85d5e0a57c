-- The columns of one table of the current schema, in table order. $1 is the table name.
SELECT column_name::text
FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = $1
ORDER BY ordinal_position
