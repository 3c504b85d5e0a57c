-- The most frequent values of one column with their row counts, for `init`, which
-- maps a log's status values onto the statuses dupaudit knows. {value} is the
-- column read as text.
SELECT {value} AS v, COUNT(*) AS n
FROM {table} t
GROUP BY {value}
ORDER BY n DESC
LIMIT 50
