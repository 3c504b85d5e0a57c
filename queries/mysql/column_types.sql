-- The SQL type of each column of a table, as the catalog writes it (`binary(16)`,
-- `bigint(20)`, `timestamp(6)`): how a key is read and compared, how a time is bounded.
-- The first ? is the table name, the second its database (NULL: the current one).
SELECT CAST(column_name AS CHAR), CAST(column_type AS CHAR)
FROM information_schema.columns
WHERE table_name = ? AND table_schema = COALESCE(?, DATABASE())
ORDER BY ordinal_position
