//! MySQL and MariaDB, which differ in how a statement's time is limited and how
//! joins on an unindexed key are run.

use super::{Backend, Bind, Catalog, Statement, Timeouts};
use crate::sql::queries::{cleanup, prevent, scan};
use crate::sql::{Dialect, TableName};

pub struct Mysql;

static CATALOG: Catalog = Catalog {
    tables: scan::mysql::TABLES,
    elsewhere: Some(scan::mysql::TABLE_ELSEWHERE),
    columns: scan::mysql::COLUMNS,
    generated_columns: cleanup::mysql::GENERATED_COLUMNS,
    column_types: scan::mysql::COLUMN_TYPES,
    foreign_keys: scan::mysql::FOREIGN_KEYS,
    unique_keys: scan::mysql::UNIQUE_KEYS,
    primary_key: None,
    identity: cleanup::mysql::IDENTITY,
};

/// Whether the server's version string names MariaDB.
fn mariadb(server: &str) -> bool {
    server.to_ascii_lowercase().contains("mariadb")
}

/// The statement timeout of `millis` (0: none), as the server spells it.
fn statement_timeout(server: &str, millis: u64) -> Statement {
    match mariadb(server) {
        true => Statement {
            sql: scan::mysql::TIMEOUT_MARIADB.to_string(),
            binds: vec![Bind::Float(millis as f64 / 1000.0)],
        },
        false => Statement {
            sql: scan::mysql::TIMEOUT_MYSQL.to_string(),
            binds: vec![Bind::Int(millis as i64)],
        },
    }
}

impl Backend for Mysql {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn name(&self) -> &'static str {
        "mysql"
    }

    fn product(&self) -> &'static str {
        "MySQL/MariaDB"
    }

    /// `mariadb://` is MySQL's driver.
    fn connect_url(&self, url: &str, _base: Option<&std::path::Path>) -> String {
        match url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("mariadb:"))
        {
            true => format!("mysql{}", &url["mariadb".len()..]),
            false => url.to_string(),
        }
    }

    fn url_options(&self) -> &'static [&'static str] {
        &[
            "sslmode",
            "ssl-mode",
            "sslca",
            "ssl-ca",
            "charset",
            "collation",
            "sslcert",
            "ssl-cert",
            "sslkey",
            "ssl-key",
            "statement-cache-capacity",
            "socket",
            "timezone",
            "time-zone",
        ]
    }

    fn server_query(&self) -> Option<&'static str> {
        Some(scan::mysql::VERSION)
    }

    fn scan_session(&self, server: &str, millis: u64) -> Vec<Statement> {
        let joins = match mariadb(server) {
            true => scan::mysql::JOINS_MARIADB,
            false => scan::mysql::JOINS_MYSQL,
        };
        vec![
            Statement::plain(scan::mysql::SESSION),
            statement_timeout(server, millis),
            Statement::plain(joins),
            Statement::plain(scan::mysql::BEGIN),
        ]
    }

    fn plan_session(&self) -> Vec<Statement> {
        vec![Statement::plain(cleanup::mysql::SESSION)]
    }

    fn apply_session(&self, server: &str, t: Timeouts) -> Vec<Statement> {
        let seconds = t.lock.as_secs_f64().ceil().max(1.0) as u64;
        let (lock_timeout, _) = crate::sql::render(
            Dialect::Mysql,
            cleanup::mysql::LOCK_TIMEOUT,
            &[("seconds", &seconds.to_string())],
            &[],
        );
        vec![
            Statement::plain(cleanup::mysql::SESSION),
            Statement::plain(cleanup::mysql::ISOLATION),
            Statement::plain(&lock_timeout),
            statement_timeout(server, t.statement.map_or(0, |d| d.as_millis() as u64)),
        ]
    }

    fn current_user(&self) -> Option<&'static str> {
        Some(cleanup::mysql::CURRENT_USER)
    }

    fn apply_begin(&self) -> &'static str {
        cleanup::mysql::BEGIN
    }

    fn catalog(&self) -> &'static Catalog {
        &CATALOG
    }

    fn table_binds(&self, table: &TableName) -> Vec<Bind> {
        vec![
            Bind::Text(Some(table.name.clone())),
            Bind::Text(table.schema.clone()),
        ]
    }

    fn identity_binds(&self, table: &TableName) -> Vec<Bind> {
        vec![
            Bind::Text(table.schema.clone()),
            Bind::Text(Some(table.name.clone())),
            Bind::Text(table.schema.clone()),
        ]
    }

    fn schema_word(&self) -> Option<&'static str> {
        Some("database")
    }

    fn lock_rows(&self) -> &'static str {
        "FOR UPDATE"
    }

    fn quarantine_create(&self) -> &'static str {
        cleanup::mysql::QUARANTINE_CREATE
    }

    fn unique_index(&self) -> &'static str {
        prevent::MYSQL
    }

    fn guarded_insert(&self) -> &'static str {
        prevent::MYSQL_INSERT
    }
}
