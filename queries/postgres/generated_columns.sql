-- The generated columns of one table of the current schema ($1, the table name):
-- their values are computed, and an INSERT that names them is refused.
SELECT column_name::text
FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'ALWAYS'
ORDER BY ordinal_position
