-- exact, conflict: keys_duplicated.sql, for a scan of the whole table in one slice,
-- counting the table in the same pass: GROUPING SETS adds the group of all rows, so
-- the totals need no pass of their own (it costs a few percent over the grouping
-- alone, against a second full pass). Besides the duplicated keys it returns that
-- group, first_row 'all', and the groups whose key has a NULL column, first_row
-- 'null': never grouped, they are the NULL-key rows. {r_range} is empty, or limits
-- the grouping to a range of keys (then the NULL-key rows are counted apart).
SELECT {r_key_as}, COUNT(*) AS n,
       CASE WHEN GROUPING({r_key_group}) <> 0 THEN 'all'
            WHEN {r_key_null} THEN 'null'
            ELSE CAST({r_first_row} AS text) END AS first_row,
       {r_last_row} AS last_row
FROM {results} r {r_range}
GROUP BY GROUPING SETS (({r_key_group}), ())
HAVING COUNT(*) > 1 OR GROUPING({r_key_group}) <> 0 OR {r_key_null}
