-- The runs of one plan, newest first.
SELECT run_id, status FROM {runs} WHERE plan_checksum = {checksum} ORDER BY started_at DESC
