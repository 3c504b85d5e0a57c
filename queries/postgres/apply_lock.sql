-- One apply (or restore) at a time per results table: a session-level advisory lock
-- whose key is dupaudit's mark in the high 32 bits and the table's OID in the low
-- ($1 is the quoted table name, bound), held until the process lets it go or its
-- connection ends. It waits up to the session's lock_timeout.
SELECT pg_advisory_lock(1684370787 * 4294967296 + CAST(CAST(to_regclass($1) AS oid) AS bigint))
