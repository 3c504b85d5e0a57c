-- stale-processing: PROCESSING attempts; whether the lease is stale is decided by the scan
SELECT {l_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {log} l
WHERE l.{status} IN ({processing}) AND {l_key_not_null} {l_part} {l_touch}
