-- Session setting of a scan: read the database file through a memory map (up to the
-- 2 GB SQLite is built to map), not with a read call per page. The scan's joins look
-- up one index entry and one row for each row of the other table; through the
-- default page cache of 2 MB each lookup was a system call, which at a million rows
-- took more time than the join itself (a full audit in 6.6 s, 4.4 s mapped). The
-- mapped pages are the file's, shared with the operating system's cache: they count
-- in the process's resident memory but are never written.
PRAGMA mmap_size = 2147418112
