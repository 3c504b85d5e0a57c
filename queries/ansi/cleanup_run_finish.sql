-- Closes a run: applied, or refused when the data changed under it.
UPDATE {runs} SET status = {status}, finished_at = {now}, groups_skipped = {skipped}
WHERE run_id = {run}
