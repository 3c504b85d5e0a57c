-- The keys that can carry a finding of a class that reads the log, as
-- keys_logged.sql names them, on MySQL and MariaDB, which have no full join. This is
-- its first half, the results left-joined to the log (late-write, orphan-result):
-- one hash join (mysql/joins_*.sql). Its second half names the keys of the log's
-- PROCESSING rows (stale-processing) and of its COMPLETED rows that no result row
-- answers (missing-result): mysql/keys_log_unwritten.sql.
SELECT {r_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {results} r
LEFT JOIN {log} l ON {rl_match}
WHERE {r_key_not_null} {r_part} {r_touch}
  AND (l.{l_key_first} IS NULL OR l.{status} IN ({failed}))
