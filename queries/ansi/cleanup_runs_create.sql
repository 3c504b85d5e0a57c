-- One row per apply run. Times are RFC 3339 text, the same in every dialect.
CREATE {temporary} TABLE IF NOT EXISTS {runs} (
    run_id VARCHAR(64) NOT NULL PRIMARY KEY,
    plan_checksum VARCHAR(64) NOT NULL,
    results_table VARCHAR(255) NOT NULL,
    quarantine_table VARCHAR(255) NOT NULL,
    journal_table VARCHAR(255) NOT NULL,
    status VARCHAR(16) NOT NULL,
    started_at VARCHAR(40) NOT NULL,
    finished_at VARCHAR(40),
    applied_by VARCHAR(255) NOT NULL,
    tool_version VARCHAR(32) NOT NULL,
    groups_planned BIGINT NOT NULL,
    rows_planned BIGINT NOT NULL,
    groups_applied BIGINT NOT NULL,
    rows_removed BIGINT NOT NULL,
    groups_skipped BIGINT NOT NULL,
    restored_at VARCHAR(40),
    rows_restored BIGINT
)
