-- A log key no result row has (sqlite/keys_log_unwritten.sql): not among the results'
-- keys, which SQLite lists once, from an index of the key or by reading the table.
-- The list keeps no NULL key: NOT IN against a NULL holds for no row.
({l_key}) NOT IN (SELECT {r_key} FROM {results} r WHERE {r_key_not_null})
