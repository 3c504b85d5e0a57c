-- MariaDB joins a table without an index on the key by a nested loop over blocks of
-- its join buffer: with the default buffer (256 KB) an anti-join of two million-row
-- tables rescans one of them hundreds of times. Hash joins (join_cache_level 4, for
-- outer and semi-joins too) with a buffer that holds a table's keys make every join
-- of a scan one pass over each table, index or not. The buffers are allocated only
-- as a join fills them.
-- A grouping the scan has sort its rows (SQL_BIG_RESULT: keys_duplicated.sql,
-- keys_completed.sql, keys_logged_grouped.sql) sorts them with the columns it reads
-- (max_length_for_sort_data, 1 KB by default): with a key of varchar(191) in
-- utf8mb4 its rows passed that, and the sort kept row ids only, then read every row
-- back from the table in key order, a random read each (45 s against 1.6 s at a
-- million rows).
SET SESSION join_cache_level = 4, join_buffer_size = 268435456,
    join_buffer_space_limit = 1073741824, max_length_for_sort_data = 8192
