-- Every result row and every log row of one key, for `explain`. The key's values
-- are bound, once for each table, each as its column compares a text.
SELECT 'r' AS side, {r_columns} FROM {results} r WHERE ({r_key}) IN (({r_key_values}))
UNION ALL
SELECT 'l' AS side, {l_columns} FROM {log} l WHERE ({l_key}) IN (({l_key_values}))
