//! Every SQL text dupaudit sends, from `queries/`: the class pre-filters, which
//! every engine renders (ANSI, with `{placeholders}`), then what each stage sends,
//! per dialect.

/// exact, conflict: several rows under one key.
pub const KEYS_DUPLICATED: &str = include_str!("../../queries/ansi/keys_duplicated.sql");
/// late-write, orphan-result, missing-result, stale-processing, multi-complete: one
/// full join of the two tables and one grouping of the log.
pub const KEYS_LOGGED: &str = include_str!("../../queries/ansi/keys_logged.sql");
pub const KEYS_COMPLETED: &str = include_str!("../../queries/ansi/keys_completed.sql");
/// The same keys from a left join and a read of the log, where a full join does not
/// serve.
pub const KEYS_LOGGED_LEFT: &str = include_str!("../../queries/ansi/keys_logged_left.sql");
pub const KEYS_LOGGED_GROUPED: &str = include_str!("../../queries/ansi/keys_logged_grouped.sql");

/// What a scan sends: totals, key rows, the grouping, introspection, sessions.
pub mod scan {
    pub const INTERESTING: &str = include_str!("../../queries/ansi/interesting.sql");
    pub const KEYS_LISTED: &str = include_str!("../../queries/ansi/keys_listed.sql");
    pub const INTERESTING_WITH: &str = include_str!("../../queries/ansi/interesting_with.sql");
    pub const INTERESTING_SORTED: &str = include_str!("../../queries/ansi/interesting_sorted.sql");
    pub const TOTALS: &str = include_str!("../../queries/ansi/totals.sql");
    pub const TOTALS_WINDOW: &str = include_str!("../../queries/ansi/totals_window.sql");
    pub const TOUCHED: &str = include_str!("../../queries/ansi/touched.sql");
    pub const STATUSES: &str = include_str!("../../queries/ansi/statuses.sql");
    pub const ROW_COUNTS: &str = include_str!("../../queries/ansi/row_counts.sql");
    pub const KEY_ROWS: &str = include_str!("../../queries/ansi/key_rows.sql");
    pub const SIMILAR_KEYS: &str = include_str!("../../queries/ansi/similar_keys.sql");
    pub const NULL_KEYS: &str = include_str!("../../queries/ansi/null_keys.sql");
    pub const KEYED_ROWS: &str = include_str!("../../queries/ansi/keyed_rows.sql");
    pub const LOG_FOR_KEYS: &str = include_str!("../../queries/ansi/log_for_keys.sql");
    pub const DISTINCT_VALUES: &str = include_str!("../../queries/ansi/distinct_values.sql");

    pub mod sqlite {
        pub const TABLES: &str = include_str!("../../queries/sqlite/tables.sql");
        pub const COLUMNS: &str = include_str!("../../queries/sqlite/columns.sql");
        pub const COLUMN_TYPES: &str = include_str!("../../queries/sqlite/column_types.sql");
        pub const FOREIGN_KEYS: &str = include_str!("../../queries/sqlite/foreign_keys.sql");
        pub const UNIQUE_KEYS: &str = include_str!("../../queries/sqlite/unique_keys.sql");
        pub const PRIMARY_KEY: &str = include_str!("../../queries/sqlite/primary_key.sql");
        pub const BEGIN: &str = include_str!("../../queries/sqlite/begin.sql");
        pub const SESSION: &str = include_str!("../../queries/sqlite/session.sql");
        pub const MMAP: &str = include_str!("../../queries/sqlite/mmap.sql");
        pub const THREADS: &str = include_str!("../../queries/sqlite/threads.sql");
        pub const JOURNAL_MODE: &str = include_str!("../../queries/sqlite/journal_mode.sql");
        pub const TEMP_FILES: &str = include_str!("../../queries/sqlite/temp_files.sql");
        pub const CROSS_KEY_ROWS: &str = include_str!("../../queries/sqlite/cross_key_rows.sql");
        pub const ROWID_TABLE: &str = include_str!("../../queries/sqlite/rowid_table.sql");
        pub const ROW_ESTIMATE: &str = include_str!("../../queries/sqlite/row_estimate.sql");
        pub const DUPLICATED_ROWS_BY_ID: &str =
            include_str!("../../queries/sqlite/duplicated_rows_by_id.sql");
    }
    pub mod postgres {
        pub const TABLES: &str = include_str!("../../queries/postgres/tables.sql");
        pub const TABLE_ELSEWHERE: &str =
            include_str!("../../queries/postgres/table_elsewhere.sql");
        pub const COLUMNS: &str = include_str!("../../queries/postgres/columns.sql");
        pub const SESSION: &str = include_str!("../../queries/postgres/session.sql");
        pub const DISCONNECT_CHECK: &str =
            include_str!("../../queries/postgres/disconnect_check.sql");
        pub const BEGIN: &str = include_str!("../../queries/postgres/begin.sql");
        pub const SERIAL: &str = include_str!("../../queries/postgres/serial.sql");
        pub const WHOLE_TABLES: &str = include_str!("../../queries/postgres/whole_tables.sql");
        pub const EXPORT_SNAPSHOT: &str =
            include_str!("../../queries/postgres/export_snapshot.sql");
        pub const KEYS: &str = include_str!("../../queries/postgres/keys.sql");
        pub const PLAIN_TABLE: &str = include_str!("../../queries/postgres/plain_table.sql");
        pub const KEY_INDEXED: &str = include_str!("../../queries/postgres/key_indexed.sql");
        pub const KEY_BYTE_ORDERED: &str =
            include_str!("../../queries/postgres/key_byte_ordered.sql");
        pub const ROWS_BY_ID: &str = include_str!("../../queries/postgres/rows_by_id.sql");
        pub const KEYED_ROWS_BY_ID: &str =
            include_str!("../../queries/postgres/keyed_rows_by_id.sql");
        pub const INTERESTING_SORTED: &str =
            include_str!("../../queries/postgres/interesting_sorted.sql");
        pub const ROWS_BY_ID_SORTED: &str =
            include_str!("../../queries/postgres/rows_by_id_sorted.sql");
        pub const RESULT_ROWS_FOR_KEYS: &str =
            include_str!("../../queries/postgres/result_rows_for_keys.sql");
        pub const LOG_ROWS_FOR_KEYS: &str =
            include_str!("../../queries/postgres/log_rows_for_keys.sql");
        pub const ROW_COUNTS: &str = include_str!("../../queries/postgres/row_counts.sql");
        pub const KEY_SPLIT: &str = include_str!("../../queries/postgres/key_split.sql");
        pub const NULL_KEYS: &str = include_str!("../../queries/postgres/null_keys.sql");
        pub const KEYS_DUPLICATED_COUNTED: &str =
            include_str!("../../queries/postgres/keys_duplicated_counted.sql");
        pub const COLUMN_TYPES: &str = include_str!("../../queries/postgres/column_types.sql");
        pub const FOREIGN_KEYS: &str = include_str!("../../queries/postgres/foreign_keys.sql");
        pub const UNIQUE_KEYS: &str = include_str!("../../queries/postgres/unique_keys.sql");
    }
    pub mod mysql {
        pub const KEYS_LOG_UNWRITTEN: &str =
            include_str!("../../queries/mysql/keys_log_unwritten.sql");
        pub const INDEX_LOOKUPS: &str = include_str!("../../queries/mysql/index_lookups.sql");
        pub const INDEX_COLUMNS: &str = include_str!("../../queries/mysql/index_columns.sql");
        pub const MAX_STATEMENT: &str = include_str!("../../queries/mysql/max_statement.sql");
        pub const TABLES: &str = include_str!("../../queries/mysql/tables.sql");
        pub const TABLE_ELSEWHERE: &str = include_str!("../../queries/mysql/table_elsewhere.sql");
        pub const COLUMNS: &str = include_str!("../../queries/mysql/columns.sql");
        pub const COLUMN_TYPES: &str = include_str!("../../queries/mysql/column_types.sql");
        pub const FOREIGN_KEYS: &str = include_str!("../../queries/mysql/foreign_keys.sql");
        pub const UNIQUE_KEYS: &str = include_str!("../../queries/mysql/unique_keys.sql");
        pub const SESSION: &str = include_str!("../../queries/mysql/session.sql");
        pub const VERSION: &str = include_str!("../../queries/mysql/version.sql");
        pub const TIMEOUT_MYSQL: &str =
            include_str!("../../queries/mysql/statement_timeout_mysql.sql");
        pub const TIMEOUT_MARIADB: &str =
            include_str!("../../queries/mysql/statement_timeout_mariadb.sql");
        pub const JOINS_MARIADB: &str = include_str!("../../queries/mysql/joins_mariadb.sql");
        pub const JOINS_MYSQL: &str = include_str!("../../queries/mysql/joins_mysql.sql");
        pub const BEGIN: &str = include_str!("../../queries/mysql/begin.sql");
    }
    pub mod spark {
        pub const VIEW: &str = include_str!("../../queries/spark/view.sql");
        pub const PROJECTION: &str = include_str!("../../queries/spark/projection.sql");
        pub const DESCRIBE: &str = include_str!("../../queries/spark/describe.sql");
        pub const KEYS_COUNTED: &str = include_str!("../../queries/spark/keys_counted.sql");
        pub const KEYS_KEPT: &str = include_str!("../../queries/spark/keys_kept.sql");
        pub const ROWS_OF_KEYS: &str = include_str!("../../queries/spark/rows_of_keys.sql");
    }
}

/// The rows of given keys (cross-key copies, explain, plan).
pub mod lookup {
    pub const ROWS_FOR_KEYS: &str = include_str!("../../queries/ansi/rows_for_keys.sql");
    pub const DISTINCT_KEYS: &str = include_str!("../../queries/ansi/distinct_keys.sql");
    pub const RESULTS_TOTALS: &str = include_str!("../../queries/ansi/results_totals.sql");
    pub const RESULTS_TOTALS_WINDOW: &str =
        include_str!("../../queries/ansi/results_totals_window.sql");
    pub const KEYS_WRITTEN: &str = include_str!("../../queries/ansi/keys_written.sql");
}

/// What apply and restore send: the ledger, locks, quarantine, identity.
pub mod cleanup {
    pub const ROWS: &str = include_str!("../../queries/ansi/cleanup_rows.sql");
    pub const QUARANTINE: &str = include_str!("../../queries/ansi/cleanup_quarantine.sql");
    pub const DELETE: &str = include_str!("../../queries/ansi/cleanup_delete.sql");
    pub const RUNS_CREATE: &str = include_str!("../../queries/ansi/cleanup_runs_create.sql");
    pub const JOURNAL_CREATE: &str = include_str!("../../queries/ansi/cleanup_journal_create.sql");
    pub const JOURNAL_ADD: &str = include_str!("../../queries/ansi/cleanup_journal_add.sql");
    pub const JOURNAL_DONE: &str = include_str!("../../queries/ansi/cleanup_journal_done.sql");
    pub const RUN_INSERT: &str = include_str!("../../queries/ansi/cleanup_run_insert.sql");
    pub const RUN_PROGRESS: &str = include_str!("../../queries/ansi/cleanup_run_progress.sql");
    pub const RUN_FINISH: &str = include_str!("../../queries/ansi/cleanup_run_finish.sql");
    pub const RUNS_OF_PLAN: &str = include_str!("../../queries/ansi/cleanup_runs_of_plan.sql");
    pub const RUNS_LIST: &str = include_str!("../../queries/ansi/cleanup_runs_list.sql");
    pub const RESTORE_CLASHES: &str = include_str!("../../queries/ansi/restore_clashes.sql");
    pub const RESTORE_INSERT: &str = include_str!("../../queries/ansi/restore_insert.sql");
    pub const RESTORE_DELETE: &str = include_str!("../../queries/ansi/restore_delete.sql");
    pub const RESTORE_JOURNAL: &str = include_str!("../../queries/ansi/restore_journal.sql");
    pub const RESTORE_FINISH: &str = include_str!("../../queries/ansi/restore_finish.sql");

    pub mod postgres {
        pub const ROWS: &str = include_str!("../../queries/postgres/cleanup_rows.sql");
        pub const DRIFT: &str = include_str!("../../queries/postgres/cleanup_drift.sql");
        pub const REMOVE: &str = include_str!("../../queries/postgres/cleanup_remove.sql");
        pub const JOURNAL_ADD: &str =
            include_str!("../../queries/postgres/cleanup_journal_add.sql");
        pub const LOCK: &str = include_str!("../../queries/postgres/apply_lock.sql");
        pub const UNLOCK: &str = include_str!("../../queries/postgres/apply_unlock.sql");
        pub const LOCK_HOLDER: &str = include_str!("../../queries/postgres/apply_lock_holder.sql");
        pub const PLAN_SESSION: &str = include_str!("../../queries/postgres/plan_session.sql");
        pub const COLUMNS: &str = include_str!("../../queries/postgres/columns.sql");
        pub const GENERATED_COLUMNS: &str =
            include_str!("../../queries/postgres/generated_columns.sql");
        pub const IDENTITY: &str = include_str!("../../queries/postgres/identity.sql");
        pub const CURRENT_USER: &str = include_str!("../../queries/postgres/current_user.sql");
        pub const QUARANTINE_CREATE: &str =
            include_str!("../../queries/postgres/quarantine_create.sql");
        pub const SESSION: &str = include_str!("../../queries/postgres/apply_session.sql");
        pub const BEGIN: &str = include_str!("../../queries/postgres/apply_begin.sql");
    }
    pub mod mysql {
        pub const COLUMNS: &str = include_str!("../../queries/mysql/columns.sql");
        pub const GENERATED_COLUMNS: &str =
            include_str!("../../queries/mysql/generated_columns.sql");
        pub const IDENTITY: &str = include_str!("../../queries/mysql/identity.sql");
        pub const CURRENT_USER: &str = include_str!("../../queries/mysql/current_user.sql");
        pub const QUARANTINE_CREATE: &str =
            include_str!("../../queries/mysql/quarantine_create.sql");
        pub const SESSION: &str = include_str!("../../queries/mysql/session.sql");
        pub const ISOLATION: &str = include_str!("../../queries/mysql/apply_isolation.sql");
        pub const LOCK_TIMEOUT: &str = include_str!("../../queries/mysql/lock_timeout.sql");
        pub const VERSION: &str = include_str!("../../queries/mysql/version.sql");
        pub const TIMEOUT_MYSQL: &str =
            include_str!("../../queries/mysql/statement_timeout_mysql.sql");
        pub const TIMEOUT_MARIADB: &str =
            include_str!("../../queries/mysql/statement_timeout_mariadb.sql");
        pub const BEGIN: &str = include_str!("../../queries/mysql/apply_begin.sql");
        pub const LOCK: &str = include_str!("../../queries/mysql/apply_lock.sql");
        pub const UNLOCK: &str = include_str!("../../queries/mysql/apply_unlock.sql");
        pub const LOCK_HOLDER: &str = include_str!("../../queries/mysql/apply_lock_holder.sql");
        pub const TABLE_ID: &str = include_str!("../../queries/mysql/table_id.sql");
        pub const TABLE_ID_MYSQL: &str = include_str!("../../queries/mysql/table_id_mysql.sql");
    }
    pub mod sqlite {
        pub const COLUMNS: &str = include_str!("../../queries/sqlite/columns.sql");
        pub const GENERATED_COLUMNS: &str =
            include_str!("../../queries/sqlite/generated_columns.sql");
        pub const IDENTITY: &str = include_str!("../../queries/sqlite/identity.sql");
        pub const QUARANTINE_CREATE: &str =
            include_str!("../../queries/sqlite/quarantine_create.sql");
        pub const BUSY_TIMEOUT: &str = include_str!("../../queries/sqlite/busy_timeout.sql");
        pub const BEGIN: &str = include_str!("../../queries/sqlite/apply_begin.sql");
    }
}

/// What `load` sends to put an incident into a database.
pub mod load {
    pub mod postgres {
        pub const EXISTS: &str = include_str!("../../queries/postgres/load_exists.sql");
        pub const DROP: &str = include_str!("../../queries/postgres/load_drop.sql");
        pub const SCHEMA: &str = include_str!("../../queries/postgres/load_schema.sql");
        pub const COPY: &str = include_str!("../../queries/postgres/load_copy.sql");
        pub const INDEX: &str = include_str!("../../queries/postgres/load_index.sql");
        pub const FOREIGN_KEY: &str = include_str!("../../queries/postgres/load_foreign_key.sql");
    }
    pub mod mysql {
        pub const EXISTS: &str = include_str!("../../queries/mysql/load_exists.sql");
        pub const DROP: &str = include_str!("../../queries/mysql/load_drop.sql");
        pub const SCHEMA: &str = include_str!("../../queries/mysql/load_schema.sql");
        pub const INSERT: &str = include_str!("../../queries/mysql/load_insert.sql");
        pub const INDEX: &str = include_str!("../../queries/mysql/load_index.sql");
        pub const FOREIGN_KEY: &str = include_str!("../../queries/mysql/load_foreign_key.sql");
        pub const CHECKS_OFF: &str = include_str!("../../queries/mysql/load_checks_off.sql");
    }
    pub mod sqlite {
        pub const EXISTS: &str = include_str!("../../queries/sqlite/load_exists.sql");
        pub const DROP: &str = include_str!("../../queries/sqlite/load_drop.sql");
        pub const SCHEMA: &str = include_str!("../../queries/sqlite/load_schema.sql");
        pub const INSERT: &str = include_str!("../../queries/sqlite/load_insert.sql");
        pub const INDEX: &str = include_str!("../../queries/sqlite/load_index.sql");
    }
}

/// The unique index `suggest-constraint` proposes, and the write the pipeline needs
/// once it exists, per dialect.
pub mod prevent {
    pub const POSTGRES: &str = include_str!("../../queries/postgres/unique_index.sql");
    pub const MYSQL: &str = include_str!("../../queries/mysql/unique_index.sql");
    pub const SQLITE: &str = include_str!("../../queries/sqlite/unique_index.sql");
    pub const POSTGRES_INSERT: &str = include_str!("../../queries/postgres/guarded_insert.sql");
    pub const MYSQL_INSERT: &str = include_str!("../../queries/mysql/guarded_insert.sql");
    pub const SQLITE_INSERT: &str = include_str!("../../queries/sqlite/guarded_insert.sql");
}
