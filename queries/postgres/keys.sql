-- The keys that can carry a finding of the classes being checked, sent back as
-- text: the UNION of the keys_*.sql queries of those classes (one pass over a table
-- each). n is the number of result rows of a duplicated key (NULL for a key only
-- the other classes name): the totals then count the keys of the table without a
-- COUNT(DISTINCT) pass of their own. first_row and last_row are a duplicated key's
-- lowest and highest row ids when the table has row ids (keys_duplicated.sql). The
-- rows of a key with exactly two are then read by id (rows_by_id.sql), the others by
-- key (result_rows_for_keys.sql), and the log rows of every key by key
-- (log_rows_for_keys.sql).
-- In a split scan, each keys_*.sql keeps one slice of the key space; in a scan
-- limited to a time window, only the keys touched in the window (touched.sql).
WITH {touched_cte}interesting AS (
{keys}
)
SELECT {k_text}, CAST(n AS bigint) AS n, CAST(first_row AS text) AS first_row,
       CAST(last_row AS text) AS last_row
FROM interesting
