-- For the rest of the transaction, on a connection of its own that runs the keys
-- query of one class (a grouping or a join of whole tables): no plain index scan,
-- nor bitmap scan. An index-only scan still serves a grouping of the key alone; a
-- grouping that also reads another column (multi-complete's status) would
-- otherwise walk the key's index and fetch every row from the table in key order,
-- a random read a row: at a million log rows with uuid keys, 1.1 s against 0.6 s
-- for a sequential scan and a hash (the planner prefers the index to a hash it
-- expects to spill).
SELECT set_config('enable_indexscan', 'off', true), set_config('enable_bitmapscan', 'off', true)
