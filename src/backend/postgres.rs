//! PostgreSQL.

use super::{Backend, Bind, Catalog, Statement, Timeouts};
use crate::sql::queries::{cleanup, prevent, scan};
use crate::sql::{Dialect, TableName};

pub struct Postgres;

static CATALOG: Catalog = Catalog {
    tables: scan::postgres::TABLES,
    elsewhere: Some(scan::postgres::TABLE_ELSEWHERE),
    columns: scan::postgres::COLUMNS,
    generated_columns: cleanup::postgres::GENERATED_COLUMNS,
    column_types: scan::postgres::COLUMN_TYPES,
    foreign_keys: scan::postgres::FOREIGN_KEYS,
    unique_keys: scan::postgres::UNIQUE_KEYS,
    primary_key: None,
    identity: cleanup::postgres::IDENTITY,
};

/// A number written into the text as it is: the statements of a scan go through
/// the simple query protocol of both drivers, which binds nothing.
fn literal(sql: &str, n: u64) -> String {
    sql.replacen("$1", &format!("'{n}'"), 1)
}

impl Backend for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn name(&self) -> &'static str {
        "postgres"
    }

    fn product(&self) -> &'static str {
        "PostgreSQL"
    }

    fn url_options(&self) -> &'static [&'static str] {
        &[
            "sslmode",
            "ssl-mode",
            "sslrootcert",
            "ssl-root-cert",
            "ssl-ca",
            "sslcert",
            "ssl-cert",
            "sslkey",
            "ssl-key",
            "statement-cache-capacity",
            "host",
            "hostaddr",
            "port",
            "dbname",
            "user",
            "password",
            "application_name",
            "options",
        ]
    }

    fn after_connect(&self) -> Option<&'static str> {
        Some(scan::postgres::DISCONNECT_CHECK)
    }

    fn scan_session(&self, _server: &str, millis: u64) -> Vec<Statement> {
        vec![
            Statement::plain(&literal(scan::postgres::SESSION, millis)),
            Statement::plain(scan::postgres::BEGIN),
        ]
    }

    fn plan_session(&self) -> Vec<Statement> {
        vec![Statement::plain(cleanup::postgres::PLAN_SESSION)]
    }

    fn apply_session(&self, _server: &str, t: Timeouts) -> Vec<Statement> {
        let statement_ms = t.statement.map_or(0, |d| d.as_millis() as u64);
        let lock_ms = (t.lock.as_millis() as u64).max(1);
        vec![Statement {
            sql: cleanup::postgres::SESSION.to_string(),
            binds: vec![
                Bind::Text(Some(statement_ms.to_string())),
                Bind::Text(Some(lock_ms.to_string())),
            ],
        }]
    }

    fn current_user(&self) -> Option<&'static str> {
        Some(cleanup::postgres::CURRENT_USER)
    }

    fn apply_begin(&self) -> &'static str {
        cleanup::postgres::BEGIN
    }

    fn catalog(&self) -> &'static Catalog {
        &CATALOG
    }

    fn table_binds(&self, table: &TableName) -> Vec<Bind> {
        vec![Bind::Text(Some(table.quoted(Dialect::Postgres)))]
    }

    fn identity_binds(&self, table: &TableName) -> Vec<Bind> {
        self.table_binds(table)
    }

    fn schema_word(&self) -> Option<&'static str> {
        Some("schema")
    }

    fn lock_rows(&self) -> &'static str {
        "FOR UPDATE OF r"
    }

    fn quarantine_create(&self) -> &'static str {
        cleanup::postgres::QUARANTINE_CREATE
    }

    /// Keys go in arrays, one bind each: a statement names many.
    fn keys_per_statement(&self) -> usize {
        200_000
    }

    fn unique_index(&self) -> &'static str {
        prevent::POSTGRES
    }

    fn guarded_insert(&self) -> &'static str {
        prevent::POSTGRES_INSERT
    }
}
