-- Which database file this is (SQLite has no server, and nothing that tells a
-- recreated table apart).
SELECT '', file, '' FROM pragma_database_list WHERE name = 'main'
