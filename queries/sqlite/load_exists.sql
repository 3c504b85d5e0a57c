-- Whether a table (or anything else holding the name) exists; ?1 is the name, bound.
-- NOCASE: SQLite identifiers are case-insensitive in ASCII, so `Results` takes `results`.
SELECT COUNT(*)
FROM sqlite_master
WHERE name = ?1 COLLATE NOCASE
