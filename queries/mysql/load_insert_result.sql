-- {rows} is one tuple of six placeholders per row of the batch.
INSERT INTO {results} (id, operation_name, idempotency_key, attempt_id, payload, created_at)
VALUES {rows}
