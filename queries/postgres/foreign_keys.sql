-- The foreign keys of a table ($1 is the quoted table name, bound), one row per
-- column: the constraint, the column, the table it references (its name alone) and
-- the column there, in key order. For `init`, which maps a results table's key onto
-- the log's through them.
SELECT c.conname::text, a.attname::text, cf.relname::text, ra.attname::text
FROM pg_catalog.pg_constraint c
CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(col, ref, n)
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
JOIN pg_catalog.pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.ref
JOIN pg_catalog.pg_class cf ON cf.oid = c.confrelid
WHERE c.contype = 'f' AND c.conrelid = to_regclass($1)
ORDER BY c.conname, k.n
