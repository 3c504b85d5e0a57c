-- The tables `dupaudit load` creates, laid out as DESIGN.md describes.
-- {results} and {log} are identifiers quoted by sql::quote_ident.
-- payload is text, not jsonb: the sample holds payloads that are not JSON (an HTML
-- error page, an error message), which jsonb would refuse, and jsonb would rewrite
-- the pretty-printed and reordered copies that the scan must recognise as equal.
CREATE TABLE {results} (
    id bigint PRIMARY KEY,
    operation_name text NOT NULL,
    idempotency_key text,
    attempt_id text NOT NULL,
    payload text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE {log} (
    idempotency_key text NOT NULL,
    attempt_id text NOT NULL,
    operation_name text NOT NULL,
    status text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (operation_name, idempotency_key, attempt_id)
);
