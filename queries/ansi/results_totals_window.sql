-- Counts over a time window of the results table alone, for a scan whose log is
-- kept outside the database: rows written in it, and those of them without a key.
SELECT
    (SELECT COUNT(*) FROM {results} r WHERE {r_in_window}) AS result_rows,
    (SELECT COUNT(*) FROM {results} r WHERE {r_key_null} AND {r_in_window}) AS null_key_rows
