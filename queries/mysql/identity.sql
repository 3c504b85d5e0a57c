-- Which server, schema and table this is: host, port and server id; the schema;
-- the results table's creation time (? is the table name).
SELECT CONCAT(@@hostname, ':', @@port, ' server_id ', @@server_id),
       DATABASE(),
       COALESCE((SELECT CAST(create_time AS CHAR) FROM information_schema.tables
                 WHERE table_schema = DATABASE() AND table_name = ?), '')
