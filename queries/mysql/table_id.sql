-- The InnoDB id of a table, which a recreated table does not keep even within the
-- second its creation time is told in (MariaDB: INNODB_SYS_TABLES; the first ? is
-- its database, NULL: the current one, the second its name). Reading it needs the
-- PROCESS privilege; without it the creation time alone tells tables apart.
SELECT CAST(table_id AS CHAR) FROM information_schema.innodb_sys_tables
WHERE name = CONCAT(COALESCE(?, DATABASE()), '/', ?)
