-- A batch of the plan carried out in one statement, whatever the plan file says:
-- every row of each planned key is locked and fingerprinted (SHA-256 of the row in
-- PostgreSQL's binary form, as cleanup_rows.sql computes it), once; a group whose
-- rows are not exactly the rows the plan names (a keeper or a row to remove
-- changed or gone, or a row the plan does not know under the key) is drifted and
-- left alone; the rows to remove of every other group are moved into quarantine
-- (the DELETE hands each row, whole, to the INSERT). The fingerprint covers every
-- column, the primary key included; a planned row matches a live one when both its
-- primary key and its fingerprint are the live row's, so a plan that pairs a row's
-- primary key with another row's fingerprint is drift too. Returns, per group (its
-- position in the plan), the rows it moved, and each drifted group with -1; apply
-- compares the counts with the plan before it commits.
-- The keys are bound as one array per column (the group, then each key column,
-- cast to the columns' own types); the planned rows, keeper and rows to remove, as
-- one array per column too: the group, each primary key column, the fingerprint,
-- and whether the row goes. A row to remove is deleted by the physical address the
-- lock read it at: a locked row stays where it is until the transaction ends.
-- The planned rows are matched with the live ones once (`matched`): the groups
-- that drifted and the rows that go both come from that one join.
WITH keys AS (
    SELECT * FROM unnest({key_arrays}) AS k (dupaudit_group, {k_columns})
),
planned AS (
    SELECT * FROM unnest({planned_arrays})
        AS p (dupaudit_group, {p_columns}, dupaudit_fingerprint, dupaudit_remove)
),
live AS (
    SELECT k.dupaudit_group, r.ctid AS dupaudit_row, {r_pk_as_l},
        sha256(record_send(ROW(r.*))) AS dupaudit_fingerprint
    FROM keys k
    JOIN {results} r ON {k_match}
    FOR UPDATE OF r
),
matched AS MATERIALIZED (
    SELECT p.dupaudit_group AS p_group, l.dupaudit_group AS l_group, p.dupaudit_remove,
        l.dupaudit_row
    FROM planned p
    FULL JOIN live l
        ON p.dupaudit_group = l.dupaudit_group
        AND {pl_match}
        AND p.dupaudit_fingerprint = l.dupaudit_fingerprint
),
drifted AS (
    SELECT DISTINCT coalesce(p_group, l_group) AS dupaudit_group
    FROM matched
    WHERE p_group IS NULL OR l_group IS NULL
),
removed AS (
    DELETE FROM {results} r
    USING matched m
    WHERE m.dupaudit_remove AND m.l_group IS NOT NULL AND r.ctid = m.dupaudit_row
        AND m.p_group NOT IN (SELECT dupaudit_group FROM drifted)
    RETURNING r.*, m.p_group AS dupaudit_group
),
moved AS (
    INSERT INTO {quarantine} (dupaudit_run_id, dupaudit_quarantined_at, dupaudit_source_table, {columns})
    SELECT {run}, {now}, {source_table}, {columns} FROM removed
)
SELECT dupaudit_group, count(*) FROM removed GROUP BY dupaudit_group
UNION ALL
SELECT dupaudit_group, -1 FROM drifted
