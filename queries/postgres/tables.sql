-- Tables and views of a schema ($1; NULL: the current one), for error messages that
-- list what exists.
SELECT table_name::text
FROM information_schema.tables
WHERE table_schema = COALESCE($1, current_schema())
ORDER BY 1
