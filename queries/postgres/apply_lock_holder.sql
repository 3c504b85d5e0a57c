-- Who holds apply_lock.sql's lock ($1 as there): the session's process id, user,
-- application, client address and when it connected.
SELECT a.pid::text, a.usename::text, a.application_name::text,
       COALESCE(host(a.client_addr), 'local'), a.backend_start::text
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.classid = 1684370787 AND l.objid = CAST(to_regclass($1) AS oid)
