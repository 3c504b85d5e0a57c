-- The generated columns (virtual or stored) of one table (the first ?, the table
-- name; the second its database, NULL for the current one): their values are
-- computed, and an INSERT that names them is refused.
SELECT CAST(column_name AS CHAR)
FROM information_schema.columns
WHERE table_name = ? AND table_schema = COALESCE(?, DATABASE())
  AND COALESCE(generation_expression, '') <> ''
ORDER BY ordinal_position
