-- Whether every key column of a table compares in byte order, so that an index on
-- them yields the keys in the order the scan sorts them, with no sort of its own: a
-- uuid column (compared byte by byte, the order of its lowercase hexadecimal text),
-- or a text or varchar column whose collation is C or POSIX (ucs_basic is C under
-- libc), or C.UTF-8 of the C library (code point order, which is UTF-8's byte
-- order); the database's default collation when the column has none of its own.
-- $1 is the quoted table name, $2 the key columns as a JSON array of names.
WITH db AS (
    SELECT d.datcollate AS collate,
           COALESCE(to_jsonb(d) ->> 'datlocprovider', 'c') AS provider
    FROM pg_database d
    WHERE d.datname = current_database()
), key_columns AS (
    SELECT a.atttypid, a.attcollation
    FROM pg_attribute a
    WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attname::text IN (SELECT json_array_elements_text(CAST($2 AS json)))
)
SELECT COALESCE(bool_and(
           k.atttypid = 'uuid'::regtype
           OR k.atttypid IN ('text'::regtype, 'varchar'::regtype)
           AND CASE
               WHEN c.collprovider = 'd' THEN
                   (SELECT db.provider = 'c' AND db.collate IN ('C', 'POSIX', 'C.UTF-8', 'C.utf8')
                    FROM db)
               ELSE c.collprovider = 'c'
                    AND c.collcollate IN ('C', 'POSIX', 'C.UTF-8', 'C.utf8')
           END), false)
FROM key_columns k
LEFT JOIN pg_collation c ON c.oid = k.attcollation
