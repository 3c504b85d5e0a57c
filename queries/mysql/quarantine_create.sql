-- The quarantine table: the run, time and source table of removal, then the results table's
-- columns with their types (no keys, so a row can be quarantined again after a
-- restore).
CREATE {temporary} TABLE {quarantine} AS
SELECT CAST(NULL AS CHAR(64)) AS dupaudit_run_id,
       CAST(NULL AS CHAR(40)) AS dupaudit_quarantined_at,
       CAST(NULL AS CHAR(255)) AS dupaudit_source_table,
       r.*
FROM {results} r WHERE 1 = 0
