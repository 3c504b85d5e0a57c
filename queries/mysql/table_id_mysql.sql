-- table_id.sql for MySQL, whose catalog calls it INNODB_TABLES.
SELECT CAST(table_id AS CHAR) FROM information_schema.innodb_tables
WHERE name = CONCAT(COALESCE(?, DATABASE()), '/', ?)
