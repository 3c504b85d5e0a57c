-- Each distinct key (and attempt, when records are kept per attempt) of the results,
-- streamed to find the rows that have no record in a log kept outside the database.
SELECT DISTINCT {r_key_attempt}
FROM {results} r
WHERE {r_key_not_null}
