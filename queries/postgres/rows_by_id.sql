-- The result rows of the duplicated keys that have exactly two, by row id (ctid):
-- keys.sql found both ids while grouping, so no second pass over the table is
-- needed. {row_ids} is one bound array literal of ids, read in the scan's snapshot,
-- which still holds every row version it saw.
SELECT 'r' AS side, {r_columns} FROM {results} r
WHERE r.ctid = ANY(CAST({row_ids} AS tid[]))
