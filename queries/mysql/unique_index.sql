-- Stops a second row for the same key. INPLACE with LOCK=NONE keeps the table
-- writable while InnoDB builds it.
ALTER TABLE {table} ADD UNIQUE INDEX {index} ({columns}), ALGORITHM=INPLACE, LOCK=NONE;
