-- Whether a table has row ids the scan can read its rows by: an ordinary table of
-- the main database, not a view and not WITHOUT ROWID. ?1 is the table name (bound,
-- not quoted).
SELECT count(*)
FROM pragma_table_list(?1)
WHERE schema = 'main' AND type = 'table' AND wr = 0
