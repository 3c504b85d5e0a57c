-- missing-result: COMPLETED attempts without a result row
SELECT {l_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {log} l
WHERE l.{status} IN ({completed}) AND {l_key_not_null} {l_part} {l_touch}
  AND NOT EXISTS (SELECT 1 FROM {results} r WHERE {rl_match})
