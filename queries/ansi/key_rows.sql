-- Every result row and every log row of a batch of keys, for `explain` and for the
-- keys an incremental run carries over. The keys' values are bound, once for each
-- table, each as its column compares a text.
SELECT 'r' AS side, {r_columns} FROM {results} r WHERE ({r_key}) IN ({r_keys})
UNION ALL
SELECT 'l' AS side, {l_columns} FROM {log} l WHERE ({l_key}) IN ({l_keys})
