-- Stops a second row for the same key. SQLite builds it in one write transaction.
CREATE UNIQUE INDEX {index} ON {table} ({columns});
