-- The columns of one table, in table order, generated ones included (table_info
-- leaves them out; table_xinfo marks them hidden 2, virtual, or 3, stored). ?1 is the
-- table name (bound, not quoted).
SELECT name
FROM pragma_table_xinfo(?1)
WHERE hidden IN (0, 2, 3)
ORDER BY cid
