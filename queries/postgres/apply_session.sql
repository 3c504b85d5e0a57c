-- Session settings of apply and restore: statement and lock timeouts in
-- milliseconds (0: none), UTC, and no JIT: apply's statements probe an index once
-- per key, and compiling them costs more than it saves.
SELECT set_config('statement_timeout', $1, false), set_config('lock_timeout', $2, false), set_config('TimeZone', 'UTC', false), set_config('jit', 'off', false)
