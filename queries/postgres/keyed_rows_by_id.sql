-- Every result row with a key and its row id (ctid), streamed for the cross-key pass
-- over a plain table, where a row id names one row: every payload is hashed once, and
-- the rows of the payloads several keys share are read again by row id
-- (rows_by_id.sql), in the same snapshot, not in a second pass over the table.
SELECT {r_hashed_columns}, CAST(r.ctid AS text) AS p
FROM {results} r
WHERE {r_key_not_null} {r_window_and}
