-- The database's journal mode. Other connections read the same state as the scan's
-- own while it holds its read lock, except in WAL mode, where each reads the
-- snapshot of its own first read.
PRAGMA journal_mode
