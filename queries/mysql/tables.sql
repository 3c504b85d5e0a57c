-- Tables and views of a database (?; NULL: the current one), for error messages
-- that list what exists.
SELECT CAST(table_name AS CHAR)
FROM information_schema.tables
WHERE table_schema = COALESCE(?, DATABASE())
ORDER BY 1
