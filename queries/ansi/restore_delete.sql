-- Empties a run's quarantine once its rows are back, in the same transaction.
DELETE FROM {quarantine} WHERE dupaudit_run_id = {run}
