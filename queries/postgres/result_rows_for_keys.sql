-- Every result row of the keys keys.sql found that were not read by row id. The keys
-- are bound as one array per key column, each cast to the column's own type, so that
-- the comparison can use an index on the key: with one, the database looks each key
-- up; without one, it reads the table once, a key column compared with `= ANY`
-- against a hash of the array, several columns with a hash semi-join on `unnest`.
SELECT 'r' AS side, {r_columns} FROM {results} r
WHERE {r_key_in}
