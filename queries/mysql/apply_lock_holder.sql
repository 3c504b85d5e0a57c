-- Who holds apply_lock.sql's lock (? is its name): the connection's id, user, host
-- and how long it has been in its state.
SELECT CAST(p.id AS CHAR), CAST(p.user AS CHAR), CAST(p.host AS CHAR), CAST(p.time AS CHAR)
FROM information_schema.processlist p
WHERE p.id = IS_USED_LOCK(?)
