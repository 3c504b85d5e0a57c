-- MySQL joins a table without an index on the key by a hash join: a buffer that
-- holds a table's keys lets it build the hash in one pass instead of spilling it to
-- disk in chunks.
SET SESSION join_buffer_size = 268435456
