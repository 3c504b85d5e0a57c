-- Which database file and table this is: the file, and what a recreated table does
-- not keep: the table's first page in the file and its CREATE statement (?1 is the
-- table's name). A VACUUM moves the page too, and is then taken for a new table.
SELECT '', d.file, COALESCE((SELECT CAST(m.rootpage AS TEXT) || ' ' || m.sql
                             FROM sqlite_master m WHERE m.type = 'table' AND m.name = ?1), '')
FROM pragma_database_list d WHERE d.name = 'main'
