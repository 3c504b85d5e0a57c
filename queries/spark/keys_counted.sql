-- exact, conflict, and the totals of the results: the rows of each key counted in
-- one grouping that both branches read (Spark reuses its exchange, so the table is
-- grouped once): the keys of several rows, then one summary row (summary true)
-- holding every row (n), the keys and the rows whose key has a NULL column. The
-- first branch keeps the groups of NULL keys (the client drops them): a filter on
-- the key would be pushed below the grouping and make the branches differ.
WITH g AS (
  SELECT {r_key_as}, COUNT(*) AS n FROM {results} r GROUP BY {r_key_group}
)
SELECT FALSE AS summary, {k_list}, n, 0 AS keys, 0 AS null_rows FROM g
WHERE n > 1
UNION ALL
SELECT TRUE, {k_nulls}, COALESCE(SUM(n), 0), COUNT_IF({k_not_null}),
  COALESCE(SUM(CASE WHEN {k_not_null} THEN 0 ELSE n END), 0)
FROM g
