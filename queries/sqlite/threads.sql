-- Session setting of a scan: SQLite's sorts (a grouping without an index on the key,
-- the rows read in key order) may use up to {threads} threads of their own, one for
-- each core, beside the connection's. They sort in parallel only when the sort
-- spills to temporary files (session.sql).
PRAGMA threads = {threads}
