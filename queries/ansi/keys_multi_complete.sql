-- multi-complete: several COMPLETED attempts under one key
SELECT {l_key_as}, NULL AS n, NULL AS first_row, NULL AS last_row FROM {log} l
WHERE l.{status} IN ({completed}) AND {l_key_not_null} {l_part} {l_touch}
GROUP BY {l_key_group} HAVING COUNT(*) > 1
