-- late-write: rows written by attempts the log marks FAILED
SELECT {r_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {results} r JOIN {log} l ON {rl_match}
WHERE l.{status} IN ({failed}) {r_part} {r_touch}
