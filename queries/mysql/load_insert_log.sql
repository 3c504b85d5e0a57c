-- {rows} is one tuple of six placeholders per row of the batch.
INSERT INTO {log} (idempotency_key, attempt_id, operation_name, status, created_at, updated_at)
VALUES {rows}
