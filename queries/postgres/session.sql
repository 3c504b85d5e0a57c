-- Session settings of a scan: a statement timeout (the first parameter, in
-- milliseconds; 0 means none) and UTC, so timestamptz values are rendered as UTC text.
SELECT set_config('statement_timeout', $1, false), set_config('TimeZone', 'UTC', false)
