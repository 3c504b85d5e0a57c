-- Which server, database and table this is: the cluster's system identifier
-- (NULL when the role may not read it), the database's name and OID, and the
-- results table's OID ($1 is the quoted table name, bound).
SELECT (SELECT system_identifier::text FROM pg_control_system()),
       current_database()::text || ' (oid ' || (SELECT oid::text FROM pg_database WHERE datname = current_database()) || ')',
       COALESCE(to_regclass($1)::oid::text, '')
