-- Marks groups of a run finished. The group numbers are integers dupaudit
-- writes itself (positions in the plan); the run id is bound.
INSERT INTO {journal} (run_id, group_index) VALUES {entries}
