-- Marks groups of a run finished: the group numbers (positions in the plan) come as
-- one bound bigint array, the run id is bound.
INSERT INTO {journal} (run_id, group_index)
SELECT {run}, unnest(CAST({groups} AS bigint[]))
