-- Every result row and every log row of the keys that can have a finding, in one
-- query. The CTE is referenced twice, so the database computes it once. It may name
-- more keys than have findings (the scan decides); it never misses one, except
-- cross-key copies, which need every payload and have their own pass.
-- {r_part} / {l_part} restrict a split scan to one slice of the key space (empty
-- otherwise).
WITH interesting AS (
    -- several rows under one key: exact duplicates and conflicts
    SELECT {r_key_as} FROM {results} r
    WHERE {r_key_not_null} {r_part}
    GROUP BY {r_key} HAVING COUNT(*) > 1
    UNION
    -- rows written by attempts the log marks FAILED: late writes
    SELECT {r_key_as} FROM {results} r JOIN {log} l ON {rl_match}
    WHERE l.{status} IN ({failed}) {r_part}
    UNION
    -- rows whose attempt the log never saw: orphans
    SELECT {r_key_as} FROM {results} r
    WHERE {r_key_not_null} {r_part} AND NOT EXISTS (SELECT 1 FROM {log} l WHERE {rl_match})
    UNION
    -- several COMPLETED attempts under one key
    SELECT {l_key_as} FROM {log} l
    WHERE l.{status} IN ({completed}) AND {l_key_not_null} {l_part}
    GROUP BY {l_key} HAVING COUNT(*) > 1
    UNION
    -- PROCESSING attempts; whether the lease is stale is decided by the scan
    SELECT {l_key_as} FROM {log} l
    WHERE l.{status} IN ({processing}) AND {l_key_not_null} {l_part}
    UNION
    -- COMPLETED attempts without a result row
    SELECT {l_key_as} FROM {log} l
    WHERE l.{status} IN ({completed}) AND {l_key_not_null} {l_part}
      AND NOT EXISTS (SELECT 1 FROM {results} r WHERE {rl_match})
)
SELECT 'r' AS side, {r_columns} FROM {results} r JOIN interesting i ON {ri_match}
UNION ALL
SELECT 'l' AS side, {l_columns} FROM {log} l JOIN interesting i ON {li_match}
