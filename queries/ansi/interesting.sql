-- Every result row and every log row of the keys that can carry a finding of the
-- classes being checked, in one query. The CTE is the UNION of the keys_*.sql
-- queries of those classes; it is referenced twice, so the database computes
-- it once. It may name more keys than have findings (the scan decides); it never
-- misses one, except cross-key copies, which need every payload and have their own
-- pass. In a split scan, each keys_*.sql keeps one slice of the key space.
WITH interesting AS (
{keys}
)
SELECT 'r' AS side, {r_columns} FROM {results} r JOIN interesting i ON {ri_match}
UNION ALL
SELECT 'l' AS side, {l_columns} FROM {log} l JOIN interesting i ON {li_match}
