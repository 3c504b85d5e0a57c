-- The columns of one table, in table order. ?1 is the table name (bound, not quoted).
SELECT name
FROM pragma_table_info(?1)
ORDER BY cid
