-- Every log row of the keys keys.sql found, bound as in result_rows_for_keys.sql.
SELECT 'l' AS side, {l_columns} FROM {log} l
WHERE ({l_key}) IN (SELECT {x_l_key} FROM json_populate_recordset(NULL::{log}, CAST({l_keys} AS json)) x)
