-- Cross-key on a SQLite table with row ids, grouped where the payloads are: the
-- result rows of every payload that two or more keys share, and of every payload
-- that is not JSON where the spec says JSON. Each keyed payload is hashed once,
-- inside SQLite, by dupaudit_payload_hash (the quick hash dupaudit computes
-- itself, registered on every SQLite connection it opens; {canon} binds its
-- settings), whose first byte is 1 when the payload is not JSON; the hashes are
-- grouped there, and the rows they name read back by rowid in the same statement.
-- Only those rows are sent out of SQLite, where the scan hashes and groups them as
-- on any engine: sending every row out costs more than hashing it. Two keys share a
-- payload when some key column's lowest and highest value under its hash differ
-- ({keys_differ}).
WITH hashed AS MATERIALIZED (
    SELECT r.rowid AS dupaudit_row, dupaudit_payload_hash({canon}, {payload_text}) AS h,
        {r_key_as}
    FROM {results} r
    WHERE {r_key_not_null} {r_window_and}
),
named AS (
    SELECT h FROM hashed GROUP BY h
    HAVING {keys_differ} OR substr(h, 1, 1) = x'01'
)
SELECT {r_columns}
FROM {results} r
WHERE r.rowid IN (SELECT dupaudit_row FROM hashed WHERE h IN (SELECT h FROM named))
