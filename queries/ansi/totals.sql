-- Counts over the whole source, for the report's totals. The keys are counted from a
-- grouping, not a DISTINCT: SQLite sorts a grouping (in parallel, in files:
-- sqlite/temp_files.sql) where it builds a b-tree for a DISTINCT, 0.9 s against 2.2 s
-- at a million rows; PostgreSQL and MariaDB plan both alike.
SELECT
    (SELECT COUNT(*) FROM {results}) AS result_rows,
    (SELECT COUNT(*) FROM {results} r WHERE {r_key_null}) AS null_key_rows,
    (SELECT COUNT(*) FROM (SELECT {r_sorted_grouping}1 AS one FROM {results} r WHERE {r_key_not_null}
                           GROUP BY {r_key_distinct}) k) AS key_count,
    (SELECT COUNT(*) FROM {log}) AS log_rows
