-- Once the index exists, a second write of a key fails with "UNIQUE constraint
-- failed". Write so that it is skipped and the first row stays (OR IGNORE also
-- skips rows that break a NOT NULL or CHECK constraint; SQLite 3.24 and later
-- skip only this conflict with ON CONFLICT ({columns}) DO NOTHING):
INSERT OR IGNORE INTO {table} ({columns}, ...) VALUES (...);
