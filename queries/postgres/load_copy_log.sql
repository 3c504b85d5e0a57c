-- Rows arrive as CSV: every text value is quoted.
COPY {log} (idempotency_key, attempt_id, operation_name, status, created_at, updated_at)
FROM STDIN WITH (FORMAT csv)
