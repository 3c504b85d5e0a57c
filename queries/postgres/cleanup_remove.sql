-- Moves the rows to remove into quarantine in one statement, each only if it is
-- still the row the plan names: its primary key, its key and its fingerprint (the
-- SHA-256 of the row in PostgreSQL's binary form, as cleanup_rows.sql computes it),
-- compared as the DELETE locks the row, whatever the plan file says. The DELETE
-- hands each row, whole, to the INSERT; the statement returns how many rows of each
-- group (its position in the plan) it moved, which apply compares with the plan
-- before it commits. {planned_arrays} binds one array per column: the group, each
-- primary key column, each key column (cast to the columns' own types), the
-- fingerprint.
WITH planned AS (
    SELECT * FROM unnest({planned_arrays}) AS p (dupaudit_group, {p_columns}, dupaudit_fingerprint)
),
removed AS (
    DELETE FROM {results} r USING planned p
    WHERE {p_match} AND sha256(record_send(ROW(r.*))) = p.dupaudit_fingerprint
    RETURNING r.*, p.dupaudit_group
),
moved AS (
    INSERT INTO {quarantine} (dupaudit_run_id, dupaudit_quarantined_at, dupaudit_source_table, {columns})
    SELECT {run}, {now}, {source_table}, {columns} FROM removed
)
SELECT dupaudit_group, count(*) FROM removed GROUP BY dupaudit_group
