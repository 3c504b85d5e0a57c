-- Copies the rows about to be deleted into quarantine (PostgreSQL: the primary keys
-- come as one array per column, cast to the column's own type so the primary key
-- index is used).
INSERT INTO {quarantine} (dupaudit_run_id, dupaudit_quarantined_at, dupaudit_source_table, {columns})
SELECT {run}, {now}, {source_table}, {r_columns} FROM {results} r
WHERE ({r_pk}) IN (SELECT * FROM unnest({pk_arrays}))
