-- stale-processing, missing-result on SQLite, the second half of
-- keys_logged_left.sql: the log alone, a PROCESSING row, or a COMPLETED row whose key
-- has no result row at all (missing-result's own rule), {unanswered}: a NOT IN
-- against the results' keys (unanswered_listed.sql), or where an index of the
-- results serves, a lookup in it (unanswered_looked_up.sql). A join on key and
-- attempt looked up and read a result row for each log row: 1.3 s against 0.8 s at a
-- million rows with the key indexed, 2.4 s against 1.9 s without.
SELECT {l_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {log} l
WHERE {l_key_not_null} {l_part} {l_touch}
  AND (l.{status} IN ({processing})
       OR (l.{status} IN ({completed}) AND {unanswered}))
