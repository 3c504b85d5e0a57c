-- The keys that can carry a finding of a class that reads the log, as
-- keys_logged.sql names them, for the engines whose full join does not serve: MySQL
-- and MariaDB have none, and SQLite, without an index on the key, runs its full join
-- as a loop over one table for each row of the other. This is its first half, the
-- results left-joined to the log (late-write, orphan-result): one hash join on MySQL
-- and MariaDB (mysql/joins_*.sql), one join through an index (or an automatic one) on
-- SQLite. Its second half names the keys of the log's PROCESSING rows
-- (stale-processing) and of its COMPLETED rows that no result row answers
-- (missing-result): mysql/keys_log_unwritten.sql, sqlite/keys_log_unwritten.sql.
SELECT {r_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {results} r
LEFT JOIN {log} l ON {rl_match}
WHERE {r_key_not_null} {r_part} {r_touch}
  AND (l.{l_key_first} IS NULL OR l.{status} IN ({failed}))
