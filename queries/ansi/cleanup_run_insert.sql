-- Records a new run; the counts are integers dupaudit writes, the rest is bound.
INSERT INTO {runs} (run_id, plan_checksum, results_table, quarantine_table, journal_table,
    status, started_at, applied_by, tool_version,
    groups_planned, rows_planned, groups_applied, rows_removed, groups_skipped)
VALUES ({run}, {checksum}, {table_name}, {quarantine_name}, {journal_name}, 'running', {now}, {by}, {version},
    {groups_planned}, {rows_planned}, 0, 0, 0)
