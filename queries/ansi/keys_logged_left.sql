-- The keys that can carry a finding of a class that reads the log, as
-- keys_logged.sql names them, for the engines whose full join does not serve: MySQL
-- and MariaDB have none, and SQLite, without an index on the key, runs its full join
-- as a loop over one table for each row of the other. Its two halves are the results
-- left-joined to the log (late-write, orphan-result) and the log left-joined to the
-- results (stale-processing, missing-result), each one hash join on MySQL and
-- MariaDB (mysql/joins_*.sql) and one join through an automatic index on SQLite.
SELECT {r_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {results} r
LEFT JOIN {log} l ON {rl_match}
WHERE {r_key_not_null} {r_part} {r_touch}
  AND (l.{l_key_first} IS NULL OR l.{status} IN ({failed}))
UNION
SELECT {l_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {log} l
LEFT JOIN {results} r ON {rl_match}
WHERE {l_key_not_null} {l_part} {l_touch}
  AND (l.{status} IN ({processing})
       OR (r.{r_pk_first} IS NULL AND l.{status} IN ({completed})))
