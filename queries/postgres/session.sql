-- Session settings of a scan: a statement timeout (the first parameter, in
-- milliseconds; 0 means none), UTC, so timestamptz values are rendered as UTC text,
-- and no JIT: the scan's passes are hash joins and groupings over a few columns,
-- whose compiling (about 0.4 s a query at a million rows) costs more than it saves.
SELECT set_config('statement_timeout', $1, false), set_config('TimeZone', 'UTC', false), set_config('jit', 'off', false)
