-- Session settings of apply and restore: statement and lock timeouts in
-- milliseconds (0: none), and UTC.
SELECT set_config('statement_timeout', $1, false), set_config('lock_timeout', $2, false), set_config('TimeZone', 'UTC', false)
