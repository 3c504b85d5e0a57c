-- stale-processing, missing-result on MySQL and MariaDB, the second half of
-- keys_logged_left.sql: the log left-joined to the results on key and attempt (one
-- hash join), a PROCESSING row, or a COMPLETED row without a result row of its
-- attempt. A NOT IN against the results' keys took 54 s against 45 s for the whole
-- audit on MariaDB at a million rows without an index on the key.
SELECT {l_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {log} l
LEFT JOIN {results} r ON {rl_match}
WHERE {l_key_not_null} {l_part} {l_touch}
  AND (l.{status} IN ({processing})
       OR (r.{r_pk_first} IS NULL AND l.{status} IN ({completed})))
