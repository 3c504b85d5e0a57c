-- Whether a table has row ids the scan can read its rows by: a plain table or a
-- materialized view without inheritance children or partitions (the ctid of a
-- partitioned table repeats in every partition). $1 is the quoted table name.
SELECT COALESCE(
    (SELECT c.relkind IN ('r', 'm') AND NOT c.relhassubclass
     FROM pg_class c WHERE c.oid = to_regclass($1)),
    false)
