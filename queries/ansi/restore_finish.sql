-- Marks a run restored; the count is an integer dupaudit writes.
UPDATE {runs} SET status = 'restored', restored_at = {now}, rows_restored = {rows}
WHERE run_id = {run}
