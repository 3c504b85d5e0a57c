-- The middle bound of a key column's histogram in the planner's statistics
-- (pg_stats; NULL when the table was never analyzed): a duplicate scan splits its
-- grouping there into two key ranges, each read through the key's index on a
-- connection of its own at the same time. $1 is the quoted table name, $2 the key
-- column's name.
SELECT b[(array_length(b, 1) + 1) / 2]
FROM (SELECT CAST(CAST(s.histogram_bounds AS text) AS text[]) AS b
      FROM pg_stats s
      JOIN pg_class c ON c.relname = s.tablename
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname
      WHERE c.oid = to_regclass($1) AND s.attname = $2) h
