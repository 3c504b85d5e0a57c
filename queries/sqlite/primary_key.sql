-- The primary key columns of a table (?1 is its name), in key order: what a foreign
-- key that names no column references.
SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk
