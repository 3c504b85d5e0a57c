-- missing-result: COMPLETED attempts whose key has no result row at all (a lost
-- write; a key whose rows another attempt wrote, or whose copy a cleanup removed,
-- lost none). An anti-join, never a subquery run per log row: linear or n log n
-- with or without an index on the key.
SELECT {l_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {log} l
LEFT JOIN {results} r ON {rl_key_match}
WHERE l.{status} IN ({completed}) AND {l_key_not_null} {l_part} {l_touch}
  AND r.{r_pk_first} IS NULL
