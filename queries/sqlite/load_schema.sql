-- The tables `dupaudit load` and `dupaudit generate` create, laid out as DESIGN.md
-- describes. {results} and {log} are identifiers quoted by sql::quote_ident.
-- TEXT everywhere: SQLite compares and returns what was written, byte for byte.
CREATE TABLE {results} (
    id INTEGER PRIMARY KEY,
    operation_name TEXT NOT NULL,
    idempotency_key TEXT,
    attempt_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE {log} (
    idempotency_key TEXT NOT NULL,
    attempt_id TEXT NOT NULL,
    operation_name TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (operation_name, idempotency_key, attempt_id)
);
