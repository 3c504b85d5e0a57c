-- stale-processing, missing-result on SQLite, the second half of
-- keys_logged_left.sql: the log alone, a PROCESSING row, or a COMPLETED row whose key
-- has no result row at all (missing-result's own rule), found with NOT IN against
-- the results' keys, which SQLite reads from the key's index or hashes once. A join
-- on key and attempt looked up and read a result row for each log row: 1.3 s
-- against 0.8 s at a million rows with the key indexed, 2.4 s against 1.9 s without.
-- The subquery keeps no NULL key: NOT IN against a NULL holds for no row.
SELECT {l_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {log} l
WHERE {l_key_not_null} {l_part} {l_touch}
  AND (l.{status} IN ({processing})
       OR (l.{status} IN ({completed})
           AND ({l_key}) NOT IN (SELECT {r_key} FROM {results} r WHERE {r_key_not_null})))
