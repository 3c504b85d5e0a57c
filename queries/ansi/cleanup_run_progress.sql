-- Adds a committed batch to its run, in the batch's own transaction.
UPDATE {runs} SET groups_applied = groups_applied + {groups}, rows_removed = rows_removed + {rows}
WHERE run_id = {run}
