-- The keys of the result rows written in a time window: what the window touches on
-- the results' side, for a scan whose log is kept outside the database.
SELECT DISTINCT {r_key_as}
FROM {results} r
WHERE {r_key_not_null} AND {r_in_window}
