-- Session setting of the connection `plan` reads whole rows on: UTC, so that values
-- are written as text the way the scan wrote them (the payloads are compared with
-- the scan's).
SELECT set_config('TimeZone', 'UTC', false)
