-- MariaDB joins a table without an index on the key by a nested loop over blocks of
-- its join buffer: with the default buffer (256 KB) an anti-join of two million-row
-- tables rescans one of them hundreds of times. Hash joins (join_cache_level 4, for
-- outer and semi-joins too) with a buffer that holds a table's keys make every join
-- of a scan one pass over each table, index or not. The buffers are allocated only
-- as a join fills them.
SET SESSION join_cache_level = 4, join_buffer_size = 268435456,
    join_buffer_space_limit = 1073741824
