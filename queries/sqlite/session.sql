-- Session settings of a scan: the temporary b-trees SQLite builds for a grouping, a
-- sort or the automatic index of a join on an unindexed key are kept in memory, not
-- in temporary files (at a million rows without an index on the key, a third of a
-- scan's time went to writing and reading them back).
PRAGMA temp_store = MEMORY
