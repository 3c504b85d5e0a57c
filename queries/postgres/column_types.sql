-- The SQL type of each column of a table ($1 is the quoted table name, bound), as
-- format_type writes it, for casting bound primary key arrays.
SELECT a.attname::text, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a
WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
