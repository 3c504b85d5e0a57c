-- Once the index exists, a second write of a key fails with a unique violation
-- (SQLSTATE 23505). Write so that it is skipped and the first row stays:
INSERT INTO {table} ({columns}, ...) VALUES (...)
ON CONFLICT ({columns}) DO NOTHING;
