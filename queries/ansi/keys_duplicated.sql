-- exact, conflict: several rows under one key, and how many (n: the scan of
-- PostgreSQL counts the keys of the table from it, without a COUNT(DISTINCT) pass).
SELECT {r_key_as}, COUNT(*) AS n FROM {results} r
WHERE {r_key_not_null} {r_part} {r_touch}
GROUP BY {r_key} HAVING COUNT(*) > 1
