-- The totals of a scan that reads the duplicated keys with their row counts: the
-- rows, and those with a NULL key, in one plain pass. The other two counts are not
-- taken here (0): the number of keys is the keyed rows minus the surplus rows of the
-- duplicated keys, which keys.sql returns, and the log rows are the sum of the
-- status counts (statuses.sql).
SELECT
    COUNT(*) AS result_rows,
    COUNT(*) FILTER (WHERE {r_key_null}) AS null_key_rows,
    CAST(0 AS bigint) AS key_count,
    CAST(0 AS bigint) AS log_rows
FROM {results} r
