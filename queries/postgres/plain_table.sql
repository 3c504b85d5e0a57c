-- Whether a table has row ids the scan can read its rows by: a plain table or a
-- materialized view without inheritance children or partitions (the ctid of a
-- partitioned table repeats in every partition); and the planner's estimate of its
-- rows (-1 when it has none), which sizes what cross-key keeps a row and tells
-- whether to say what that pass costs before it starts. $1 is the quoted table name.
SELECT COALESCE(
           (SELECT c.relkind IN ('r', 'm') AND NOT c.relhassubclass
            FROM pg_class c WHERE c.oid = to_regclass($1)),
           false) AS plain,
       COALESCE(
           (SELECT CAST(c.reltuples AS bigint) FROM pg_class c WHERE c.oid = to_regclass($1)),
           -1) AS estimate
