-- The plan groups each run has finished; written in the same transaction as the
-- group's deletions, so a run resumed after a crash skips exactly those groups.
CREATE {temporary} TABLE IF NOT EXISTS {journal} (
    run_id VARCHAR(64) NOT NULL,
    group_index BIGINT NOT NULL,
    PRIMARY KEY (run_id, group_index)
)
