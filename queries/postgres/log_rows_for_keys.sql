-- Every log row of the keys keys.sql found, bound as in result_rows_for_keys.sql.
SELECT 'l' AS side, {l_columns} FROM {log} l
WHERE {l_key_in}
