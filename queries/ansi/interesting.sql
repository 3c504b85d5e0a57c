-- Every result row and every log row of the keys that can carry a finding of the
-- classes being checked. They are the CTE of interesting_with.sql, the UNION of the
-- keys_*.sql queries of those classes (their column n is not used here), read by
-- each semi-join; on MariaDB, which computes a CTE once for each reference, they are
-- instead read first (mysql/keys_listed.sql) and listed as literals. Rows are picked with IN (semi-joins), so the database hashes the
-- few interesting keys rather than the tables. It may name more
-- keys than have findings (the scan decides); it never misses one, except cross-key
-- copies, which need every payload and have their own pass. In a split scan, each
-- keys_*.sql keeps one slice of the key space; in a scan limited to a time window,
-- only the keys touched in the window (touched.sql). PostgreSQL reads the keys and
-- their rows in further queries instead (postgres/keys.sql).
{with_interesting}SELECT 'r' AS side, {r_columns} FROM {results} r WHERE ({r_key}) IN ({interesting_keys})
UNION ALL
SELECT 'l' AS side, {l_columns} FROM {log} l WHERE ({l_key}) IN ({interesting_keys})
