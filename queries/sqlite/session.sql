-- Session settings of a scan: temporary b-trees and sorts in files (through the page
-- cache), not in memory. SQLite's sorter then sorts in parallel (threads.sql) and
-- keeps its runs in large writes, where in memory it sorts on the connection's thread
-- alone: the keys of the duplicate classes without an index on the key were grouped
-- and their rows read in 0.7 s this way, 1.6 s in memory, at a million rows. Every
-- keys query of a scan is a grouping (the log checks too, keys_logged_grouped.sql);
-- cross-key's statement keeps every keyed row's hash, key and rowid in temporary
-- b-trees, which in files do not grow with the table.
PRAGMA temp_store = FILE
