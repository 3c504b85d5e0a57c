-- Every result row with a key, streamed for the cross-key pass (every payload is
-- hashed, which is why cross-key detection is a choice on large tables).
SELECT {r_columns}
FROM {results} r
WHERE {r_key_not_null} {r_window_and}
