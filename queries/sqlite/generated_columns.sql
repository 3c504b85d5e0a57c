-- The generated columns of one table (?1, the table name; hidden 2 is virtual, 3
-- stored): their values are computed, and an INSERT that names them is refused.
SELECT name
FROM pragma_table_xinfo(?1)
WHERE hidden IN (2, 3)
ORDER BY cid
