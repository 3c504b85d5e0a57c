-- Tables and views of the current schema, for error messages that list what exists.
SELECT table_name::text
FROM information_schema.tables
WHERE table_schema = current_schema()
ORDER BY 1
