-- Moves the rows to remove into quarantine in one statement: the DELETE hands each
-- row, whole, to the INSERT. Only rows this transaction has locked and compared
-- with the plan are named, so they cannot have changed since. {pk_in} matches the
-- primary key against one bound array per primary key column, cast to the column's
-- own type so that the primary key index is used.
WITH removed AS (
    DELETE FROM {results} r
    WHERE {pk_in}
    RETURNING r.*
)
INSERT INTO {quarantine} (dupaudit_run_id, dupaudit_quarantined_at, dupaudit_source_table, {columns})
SELECT {run}, {now}, {source_table}, {columns} FROM removed
