-- exact, conflict: several rows under one key
SELECT {r_key_as} FROM {results} r
WHERE {r_key_not_null} {r_part} {r_touch}
GROUP BY {r_key} HAVING COUNT(*) > 1
