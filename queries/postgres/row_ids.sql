-- Whether the scan should read a duplicated key's two rows by row id: the results
-- table is a plain table or a materialized view without inheritance children or
-- partitions (the ctid of a partitioned table repeats in every partition), and no
-- index starts with the key columns. With such an index the grouping reads the index
-- alone, in key order, and the rows are best looked up through it: asking the grouping
-- for row ids would make it visit the table row by row in index order instead.
-- $1 is the quoted table name, $2 the key columns as a JSON array of names.
SELECT COALESCE(
    (SELECT c.relkind IN ('r', 'm') AND NOT c.relhassubclass
     FROM pg_class c WHERE c.oid = to_regclass($1)),
    false)
   AND NOT EXISTS (
    SELECT 1 FROM pg_index i
    WHERE i.indrelid = to_regclass($1) AND i.indpred IS NULL
      AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text)
           FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos)
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
           WHERE k.pos <= json_array_length(CAST($2 AS json)))
        = (SELECT array_agg(x ORDER BY x) FROM json_array_elements_text(CAST($2 AS json)) x))
