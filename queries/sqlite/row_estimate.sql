-- The highest row id of a table with row ids: SQLite keeps no count of a table's
-- rows, and this one is read from the last page of its b-tree. Cross-key, run beside
-- the other queries before the rows are counted, says from it what its pass costs.
SELECT COALESCE(MAX(rowid), 0) FROM {results}
