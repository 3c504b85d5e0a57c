-- The databases other than the one searched (the second ?; NULL: the URL's) that
-- hold a table or view named ? and visible to this user, for the error that says a
-- table does not exist: the spec's `schema`, or the database named in the URL, says
-- where the tables are.
SELECT CAST(table_schema AS CHAR)
FROM information_schema.tables
WHERE table_name = ? AND table_schema <> COALESCE(?, DATABASE(), '')
ORDER BY 1
