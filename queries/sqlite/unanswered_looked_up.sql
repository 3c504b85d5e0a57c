-- A log key no result row has (sqlite/keys_log_unwritten.sql): looked up in an index
-- of the results, where results_looked_up.sql finds SQLite would (0.4 s against the
-- list's 0.8 s at a million rows, 1.3 s against 2.1 s for uuid keys, which the list
-- takes in random order). Without an index each lookup would read the whole table.
NOT EXISTS (SELECT 1 FROM {results} r WHERE {rl_key_match})
