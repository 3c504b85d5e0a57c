-- Every result row of a batch of keys (a log kept outside the database: the keys
-- come from Redis, a batch at a time).
SELECT {r_columns}
FROM {results} r
WHERE ({r_key}) IN ({keys})
