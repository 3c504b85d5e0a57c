-- How long apply waits for the write lock, in milliseconds (an integer dupaudit
-- writes; PRAGMA takes no parameters).
PRAGMA busy_timeout = {millis}
