-- Once the index exists, a second write of a key fails with a duplicate-key error
-- (1062). Write so that it is skipped and the first row stays (INSERT IGNORE does
-- too, but it also turns other errors, such as a NULL in a NOT NULL column, into
-- warnings):
INSERT INTO {table} ({columns}, ...) VALUES (...)
ON DUPLICATE KEY UPDATE {key_column} = {key_column};
