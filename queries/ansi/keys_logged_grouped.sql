-- late-write, orphan-result, missing-result, stale-processing on SQLite and
-- MariaDB: the keys keys_logged.sql names, from one grouping of both tables' rows on
-- key and attempt, sorted instead of joined.
-- SQLite sorts it in parallel (session.sql, threads.sql): its joins look each row
-- of one table up in a b-tree of the other, its own index or an automatic one. At a
-- million rows, the whole audit went from 5.4 to 2.9 s (text keys) and 7.8 to 3.9 s
-- (uuid keys, which came to those b-trees in random order) without an index on the
-- key, from 3.7 to 2.3 s and 4.2 to 3.0 s with one, where the log's keys were
-- looked up in it.
-- MariaDB sorts it ({sorted_grouping}: SQL_BIG_RESULT; SQLite: nothing) where its
-- two hash joins, a left join each way (keys_logged_left.sql,
-- mysql/keys_log_unwritten.sql, which MySQL runs), each pass over both tables: at a
-- million rows 6.0 s against 11.0 and 12.2 s with uuid keys, 3.9 s against 8.8 and
-- 10.9 s with text keys of varchar(191) indexed in both tables.
-- A group of one key and attempt names its key when it holds
--   a PROCESSING log row (stale-processing),
--   a COMPLETED log row and no result row (missing-result),
--   a result row and no log row, or a FAILED one (orphan-result, late-write),
--   with a NULL attempt, a result row or a COMPLETED log row (a NULL attempt
--   matches nothing, as in the rules).
SELECT {sorted_grouping}{k_grouped}, NULL AS n, NULL AS first_row, NULL AS last_row
FROM (SELECT {r_key_as}{r_attempt_as}, 1 AS w, 0 AS p, 0 AS c, 0 AS f, 0 AS g FROM {results} r
      WHERE {r_key_not_null} {r_part} {r_touch}
      UNION ALL
      SELECT {l_key_as}{l_attempt_as}, 0, l.{status} IN ({processing}), l.{status} IN ({completed}),
             l.{status} IN ({failed}), 1 FROM {log} l
      WHERE {l_key_not_null} {l_part} {l_touch}) u
GROUP BY {ka_group}
HAVING MAX(p) = 1 OR (MAX(w) = 0 AND MAX(c) = 1) OR (MAX(w) = 1 AND (MAX(g) = 0 OR MAX(f) = 1))
    {a_unmatched}
