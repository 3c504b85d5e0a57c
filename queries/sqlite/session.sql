-- Session settings of a scan: the temporary b-trees SQLite builds (a DISTINCT, an IN
-- list, the automatic index of a join on an unindexed key) are kept in memory, not in
-- temporary files: the totals' count of distinct keys took 1.7 s this way at a
-- million rows without an index on the key, 3.2 s in files. The statements whose
-- temporary data are sorts switch to files for their run (temp_files.sql).
PRAGMA temp_store = MEMORY
