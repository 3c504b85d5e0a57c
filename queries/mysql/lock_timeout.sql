-- How long apply waits for a row lock, in whole seconds (an integer dupaudit
-- writes; SET takes no parameters).
SET SESSION innodb_lock_wait_timeout = {seconds}
