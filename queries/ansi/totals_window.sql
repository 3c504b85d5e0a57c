-- Counts over a time window: rows written, log rows created, keys touched in it.
SELECT
    (SELECT COUNT(*) FROM {results} r WHERE {r_in_window}) AS result_rows,
    (SELECT COUNT(*) FROM {results} r WHERE {r_key_null} AND {r_in_window}) AS null_key_rows,
    (SELECT COUNT(*) FROM ({touched_select}) t) AS key_count,
    (SELECT COUNT(*) FROM {log} l WHERE {l_created_in_window}) AS log_rows
