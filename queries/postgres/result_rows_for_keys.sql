-- Every result row of the keys keys.sql found that were not read by row id. The keys
-- are bound as one JSON array of objects, each a key named by the table's key
-- columns, and json_populate_recordset types each value as the table's own column, so
-- that the comparison can use an index on the key: with one, the database looks each
-- key up (a nested loop over the index); without one, it hashes the keys and reads
-- the table once (a hash semi-join).
SELECT 'r' AS side, {r_columns} FROM {results} r
WHERE ({r_key}) IN (SELECT {x_r_key} FROM json_populate_recordset(NULL::{results}, CAST({r_keys} AS json)) x)
