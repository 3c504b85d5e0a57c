-- Whether an index (not a partial one) starts with the key columns, in any order: the
-- rows of a list of keys are then best looked up through it. $1 is the quoted table
-- name, $2 the key columns as a JSON array of names.
SELECT EXISTS (
    SELECT 1 FROM pg_index i
    WHERE i.indrelid = to_regclass($1) AND i.indpred IS NULL
      AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text)
           FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos)
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
           WHERE k.pos <= json_array_length(CAST($2 AS json)))
        = (SELECT array_agg(x ORDER BY x) FROM json_array_elements_text(CAST($2 AS json)) x))
