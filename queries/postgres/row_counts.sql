-- The totals of a scan that reads the duplicated keys with their row counts: the
-- rows (with NULL keys apart) and the log rows, one plain pass over each table. The
-- number of keys is not counted here (key_count is 0): it is the keyed rows minus
-- the surplus rows of the duplicated keys, which keys.sql already returns.
SELECT
    COUNT(*) AS result_rows,
    COUNT(*) FILTER (WHERE {r_key_null}) AS null_key_rows,
    CAST(0 AS bigint) AS key_count,
    (SELECT COUNT(*) FROM {log}) AS log_rows
FROM {results} r
