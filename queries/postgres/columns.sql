-- The columns of one table, in table order. $1 is the table name, $2 its schema
-- (NULL: the current schema). Read from the catalog, listing what
-- information_schema.columns lists (the columns of tables, views, foreign and
-- partitioned tables that the user may use) at a fraction of its cost: apply asks
-- for the columns of four tables before it changes anything.
SELECT a.attname::text
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = COALESCE($2, current_schema()) AND c.relname = $1
  AND c.relkind IN ('r', 'v', 'f', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  AND has_column_privilege(c.oid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES')
ORDER BY a.attnum
