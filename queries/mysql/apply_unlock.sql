-- Lets go of apply_lock.sql's lock (? is its name).
SELECT RELEASE_LOCK(?)
