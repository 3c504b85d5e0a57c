-- The schemas other than the one searched ($2; NULL: the current one) that hold a
-- table or view named $1 and visible to this role, for the error that says a table
-- does not exist: the spec's `schema`, or the search path in the URL, says which
-- schema the tables are in.
SELECT table_schema::text
FROM information_schema.tables
WHERE table_name = $1 AND table_schema IS DISTINCT FROM COALESCE($2, current_schema())
ORDER BY 1
