-- Quarantined rows of a run whose primary key is in the results table again:
-- restoring them would collide, so restore refuses and names them.
SELECT {q_pk_text} FROM {quarantine} q
WHERE q.dupaudit_run_id = {run} AND EXISTS (SELECT 1 FROM {results} r WHERE {pk_match})
