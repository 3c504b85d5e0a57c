-- The quarantine table: the run, time and source table of removal, then the results table's
-- columns (no constraints, so a row can be quarantined again after a restore).
CREATE {temporary} TABLE {quarantine} AS
SELECT CAST(NULL AS TEXT) AS dupaudit_run_id,
       CAST(NULL AS TEXT) AS dupaudit_quarantined_at,
       CAST(NULL AS TEXT) AS dupaudit_source_table,
       r.*
FROM {results} r WHERE 1 = 0
