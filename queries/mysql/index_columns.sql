-- The columns of each index of a table, in index order (? the table name, then its
-- database, NULL for the connection's): MariaDB looks the rows of listed keys up
-- through an index that starts with the key's columns (index_lookups.sql).
SELECT CAST(index_name AS CHAR), CAST(column_name AS CHAR)
FROM information_schema.statistics
WHERE table_name = ? AND table_schema = COALESCE(?, DATABASE())
ORDER BY index_name, seq_in_index
