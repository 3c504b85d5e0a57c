-- Session settings of apply and restore: statement and lock timeouts in
-- milliseconds (0: none), UTC, and no JIT: apply's statements probe an index once
-- per key, and compiling them costs more than it saves. The sorts and hashes of a
-- batch's statement get at least 64 MB (a batch of 10,000 groups needs about 10 MB;
-- the default of 4 MB sends them to disk); a server set higher keeps its setting.
SELECT set_config('statement_timeout', $1, false), set_config('lock_timeout', $2, false), set_config('TimeZone', 'UTC', false), set_config('jit', 'off', false),
       set_config('work_mem', CASE WHEN pg_size_bytes(current_setting('work_mem')) < 67108864 THEN '64MB' ELSE current_setting('work_mem') END, false)
