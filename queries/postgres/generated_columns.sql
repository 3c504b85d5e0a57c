-- The generated columns of one table ($1, the table name; $2 its schema, NULL for
-- the current one): their values are computed, and an INSERT that names them is
-- refused.
SELECT column_name::text
FROM information_schema.columns
WHERE table_schema = COALESCE($2, current_schema()) AND table_name = $1
  AND is_generated = 'ALWAYS'
ORDER BY ordinal_position
