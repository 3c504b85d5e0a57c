-- Every run, oldest first, for `dupaudit runs` (and one run, for `restore`).
SELECT run_id, plan_checksum, results_table, quarantine_table, journal_table, status,
    started_at, finished_at, applied_by, tool_version,
    groups_planned, rows_planned, groups_applied, rows_removed, groups_skipped,
    restored_at, rows_restored
FROM {runs} {where_run}
ORDER BY started_at
