-- A restored run has no finished groups any more.
DELETE FROM {journal} WHERE run_id = {run}
