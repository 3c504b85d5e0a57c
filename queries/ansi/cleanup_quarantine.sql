-- Copies rows about to be deleted into the quarantine table, with the run that
-- removes them. Only rows that apply has just locked and compared with the plan
-- are named: by key (so an index on the key finds them) and by primary key, each
-- compared in its column's own type.
INSERT INTO {quarantine} (dupaudit_run_id, dupaudit_quarantined_at, dupaudit_source_table, {columns})
SELECT {run}, {now}, {source_table}, {r_columns} FROM {results} r
WHERE ({r_key}) IN ({keys}) AND ({r_pk}) IN ({pks})
