-- The databases other than the URL's that hold a table or view named ? and visible
-- to this user, for the error that says a table does not exist: the database named
-- in the URL is where the spec's tables are.
SELECT CAST(table_schema AS CHAR)
FROM information_schema.tables
WHERE table_name = ? AND table_schema <> COALESCE(DATABASE(), '')
ORDER BY 1
