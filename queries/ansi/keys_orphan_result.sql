-- orphan-result: rows whose attempt the log never saw
SELECT {r_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {results} r
WHERE {r_key_not_null} {r_part} {r_touch} AND NOT EXISTS (SELECT 1 FROM {log} l WHERE {rl_match})
