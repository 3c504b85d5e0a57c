INSERT INTO {results} (id, operation_name, idempotency_key, attempt_id, payload, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
