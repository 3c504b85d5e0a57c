-- Whether the table exists in the current database; the name is bound. Compared as
-- bytes: information_schema's collation ignores case, table names on Linux do not.
SELECT COUNT(*)
FROM information_schema.tables
WHERE table_schema = DATABASE() AND CAST(table_name AS BINARY) = CAST(? AS BINARY)
