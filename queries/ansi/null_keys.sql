-- Result rows whose key has a NULL column: counted and reported, never grouped.
SELECT {r_columns}
FROM {results} r
WHERE {r_key_null} {r_window_and}
