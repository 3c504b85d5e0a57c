-- Tells MySQL from MariaDB: their statement timeouts differ.
SELECT CAST(VERSION() AS CHAR)
