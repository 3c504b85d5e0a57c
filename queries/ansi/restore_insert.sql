-- Puts a run's rows back, every column as it was ({overriding} lets PostgreSQL
-- write identity columns).
INSERT INTO {results} ({columns}) {overriding}
SELECT {columns} FROM {quarantine} WHERE dupaudit_run_id = {run}
