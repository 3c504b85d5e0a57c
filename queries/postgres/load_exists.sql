-- Whether the name is taken in the schema CREATE TABLE would use. $1 is the name,
-- bound. pg_class, not information_schema: indexes and sequences take names too,
-- and information_schema hides tables the role has no rights on.
SELECT count(*)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relname = $1
