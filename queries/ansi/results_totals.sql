-- Counts over the results table alone, for the totals of a scan whose log is kept
-- outside the database.
SELECT
    (SELECT COUNT(*) FROM {results}) AS result_rows,
    (SELECT COUNT(*) FROM {results} r WHERE {r_key_null}) AS null_key_rows,
    (SELECT COUNT(*) FROM (SELECT DISTINCT {r_key_distinct} FROM {results} r WHERE {r_key_not_null}) k) AS key_count
