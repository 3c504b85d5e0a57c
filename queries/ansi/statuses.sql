-- The distinct status values of the log. The scan maps them onto the spec's
-- spellings, so the queries that follow bind the exact stored values.
SELECT {status_text} AS status, COUNT(*) AS n
FROM {log} l
GROUP BY {status_text}
