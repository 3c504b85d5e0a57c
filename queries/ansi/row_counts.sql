-- postgres/row_counts.sql for MySQL and SQLite, which read the rows of the duplicated
-- keys sorted by key (interesting_sorted.sql) and count their surplus rows as they
-- come: the rows, and those with a NULL key, in one plain pass; the number of keys is
-- the keyed rows minus those surplus rows, and the log rows are the sum of the status
-- counts (statuses.sql), so neither is taken here (0).
SELECT
    COUNT(*) AS result_rows,
    COUNT(CASE WHEN {r_key_null} THEN 1 END) AS null_key_rows,
    0 AS key_count,
    0 AS log_rows
FROM {results} r
