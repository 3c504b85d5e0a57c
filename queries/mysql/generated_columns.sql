-- The generated columns (virtual or stored) of one table of the current database (?,
-- the table name): their values are computed, and an INSERT that names them is
-- refused.
SELECT CAST(column_name AS CHAR)
FROM information_schema.columns
WHERE table_schema = DATABASE() AND table_name = ?
  AND COALESCE(generation_expression, '') <> ''
ORDER BY ordinal_position
