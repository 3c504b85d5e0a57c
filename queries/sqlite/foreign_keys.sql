-- The foreign keys of a table (?1 is its name), one row per column: the key's
-- number, the column, the table it references and the column there (NULL: that
-- table's primary key, in order), in key order. For `init`.
SELECT CAST(id AS TEXT), "from", "table", "to"
FROM pragma_foreign_key_list(?1)
ORDER BY id, seq
