-- Each distinct key of the results, streamed to find the keys that have no record
-- in a log kept outside the database.
SELECT DISTINCT {r_key_read}
FROM {results} r
WHERE {r_key_not_null}
