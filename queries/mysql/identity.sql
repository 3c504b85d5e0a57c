-- Which server, schema and table this is: host, port and server id; the table's
-- database; the results table's creation time. Bound in order: the database (NULL:
-- the current one), the table name, the database again.
SELECT CONCAT(@@hostname, ':', @@port, ' server_id ', @@server_id),
       COALESCE(?, DATABASE()),
       COALESCE((SELECT CAST(create_time AS CHAR) FROM information_schema.tables
                 WHERE table_name = ? AND table_schema = COALESCE(?, DATABASE())), '')
