-- Schema of the generated incident: a results table and an idempotency log laid out
-- as DESIGN.md describes. Used only by `dupaudit generate`.
CREATE TABLE results (
    id INTEGER PRIMARY KEY,
    operation_name TEXT NOT NULL,
    idempotency_key TEXT,
    attempt_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX results_key ON results (operation_name, idempotency_key);
CREATE TABLE idempotency_log (
    idempotency_key TEXT NOT NULL,
    attempt_id TEXT NOT NULL,
    operation_name TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (operation_name, idempotency_key, attempt_id)
);
