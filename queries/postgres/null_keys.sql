-- The result rows whose key is NULL, for a duplicate scan whose grouping is split
-- into key ranges, which leave them out.
SELECT COUNT(*) FROM {results} r WHERE {r_key_null}
