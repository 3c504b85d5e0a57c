-- Session settings of the connection `plan` reads whole rows on: UTC, so that values
-- are written as text the way the scan wrote them (the payloads are compared with
-- the scan's), and no JIT (one index probe per key; compiling costs more).
SELECT set_config('TimeZone', 'UTC', false), set_config('jit', 'off', false)
