-- Tables and views of the current database, for error messages that list what exists.
SELECT CAST(table_name AS CHAR)
FROM information_schema.tables
WHERE table_schema = DATABASE()
ORDER BY 1
