-- The keys that can carry a finding of the classes being checked, sent back as
-- text: the UNION of the keys_*.sql queries of those classes (one pass over a table
-- each). n is the number of result rows of a duplicated key (NULL for a key only
-- the other classes name): the totals then count the keys of the table without a
-- COUNT(DISTINCT) pass of their own. rows_for_keys.sql then reads these keys' rows.
-- In a split scan, each keys_*.sql keeps one slice of the key space; in a scan
-- limited to a time window, only the keys touched in the window (touched.sql).
WITH {touched_cte}interesting AS (
{keys}
)
SELECT {k_text}, CAST(n AS bigint) AS n FROM interesting
