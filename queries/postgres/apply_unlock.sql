-- Lets go of apply_lock.sql's lock ($1 as there).
SELECT pg_advisory_unlock(1684370787 * 4294967296 + CAST(CAST(to_regclass($1) AS oid) AS bigint))
