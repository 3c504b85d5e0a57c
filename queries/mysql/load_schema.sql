-- The tables `dupaudit load` creates, laid out as DESIGN.md describes.
-- {results} and {log} are identifiers quoted by sql::quote_ident.
-- VARCHAR(191): the longest utf8mb4 column an index can hold whole on older InnoDB.
-- The server's default utf8mb4 collation, as a pipeline's own tables would have: a
-- _bin collation would compare keys byte for byte but makes drivers (sqlx among them)
-- read the text columns as bytes.
-- payload is LONGTEXT, not JSON: the sample holds payloads that are not JSON (an HTML
-- error page, an error message), which a JSON column refuses.
CREATE TABLE {results} (
    id BIGINT PRIMARY KEY,
    operation_name VARCHAR(191) NOT NULL,
    idempotency_key VARCHAR(191),
    attempt_id VARCHAR(191) NOT NULL,
    payload LONGTEXT NOT NULL,
    created_at DATETIME(3) NOT NULL
) CHARACTER SET utf8mb4;
CREATE TABLE {log} (
    idempotency_key VARCHAR(191) NOT NULL,
    attempt_id VARCHAR(191) NOT NULL,
    operation_name VARCHAR(191) NOT NULL,
    status VARCHAR(191) NOT NULL,
    created_at DATETIME(3) NOT NULL,
    updated_at DATETIME(3) NOT NULL,
    PRIMARY KEY (operation_name, idempotency_key, attempt_id)
) CHARACTER SET utf8mb4;
