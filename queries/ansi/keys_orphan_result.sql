-- orphan-result: rows whose attempt the log never saw. An anti-join, never a
-- subquery run per row: linear or n log n with or without an index on the key.
SELECT {r_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {results} r
LEFT JOIN {log} l ON {rl_match}
WHERE {r_key_not_null} {r_part} {r_touch} AND l.{l_key_first} IS NULL
