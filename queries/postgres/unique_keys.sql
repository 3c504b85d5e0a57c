-- The unique keys of a table (primary key, unique constraints, unique indexes
-- without a predicate; $1 is the quoted table name, bound), one row per column in
-- key order. For `init`, which reads a scoped key from them.
SELECT i.indexrelid::regclass::text, a.attname::text
FROM pg_catalog.pg_index i
CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indpred IS NULL
ORDER BY i.indisprimary DESC, 1, k.n
