-- The schemas other than the current one that hold a table or view named $1 and
-- visible to this role, for the error that says a table does not exist: the spec
-- names tables, and the search path in the URL says which schema they are in.
SELECT table_schema::text
FROM information_schema.tables
WHERE table_name = $1 AND table_schema IS DISTINCT FROM current_schema()
ORDER BY 1
