-- Stops a second row for the same key. CONCURRENTLY builds it without blocking
-- writes (it cannot run inside a transaction block). If it fails, it leaves an
-- INVALID index behind: DROP INDEX CONCURRENTLY {index_in_schema}; before trying again.
CREATE UNIQUE INDEX CONCURRENTLY {index} ON {table} ({columns});
