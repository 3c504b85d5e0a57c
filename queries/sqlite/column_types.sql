-- The declared type of each column of a table (empty when none was declared): how a
-- key is read and compared, how a time is bounded. ?1 is the table name.
SELECT name, type
FROM pragma_table_xinfo(?1)
WHERE hidden IN (0, 2, 3)
ORDER BY cid
