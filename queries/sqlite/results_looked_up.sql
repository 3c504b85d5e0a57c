-- Whether SQLite looks a log key up in an index of the results
-- (unanswered_looked_up.sql): the plan of that lookup, one row of which then says
-- `SEARCH r USING ... INDEX`, not an automatic one.
EXPLAIN QUERY PLAN SELECT 1 FROM {log} l WHERE NOT EXISTS (SELECT 1 FROM {results} r WHERE {rl_key_match})
