-- Rows arrive as CSV: NULL is an unquoted empty field, every text value is quoted.
COPY {results} (id, operation_name, idempotency_key, attempt_id, payload, created_at)
FROM STDIN WITH (FORMAT csv)
