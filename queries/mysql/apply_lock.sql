-- One apply (or restore) at a time per results table: a named lock held by the
-- session until it lets it go or its connection ends (the first ? is the lock's
-- name, made from the table's, the second how many seconds to wait). 1: taken;
-- 0: another session holds it.
SELECT GET_LOCK(?, ?)
