INSERT INTO {log} (idempotency_key, attempt_id, operation_name, status, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
