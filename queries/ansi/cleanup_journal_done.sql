-- Which of a batch's groups (plan positions, integers dupaudit writes) a run has
-- already finished.
SELECT group_index FROM {journal} WHERE run_id = {run} AND group_index IN ({groups})
