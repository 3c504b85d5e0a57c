//! SQLite: one database a file, opened read-only by a scan, locked as a file by
//! apply.

use std::path::Path;

use super::{Backend, Bind, Catalog, Statement, Timeouts};
use crate::sql::queries::{cleanup, prevent, scan};
use crate::sql::{Dialect, TableName};

pub struct Sqlite;

static CATALOG: Catalog = Catalog {
    tables: scan::sqlite::TABLES,
    elsewhere: None,
    columns: scan::sqlite::COLUMNS,
    generated_columns: cleanup::sqlite::GENERATED_COLUMNS,
    column_types: scan::sqlite::COLUMN_TYPES,
    foreign_keys: scan::sqlite::FOREIGN_KEYS,
    unique_keys: scan::sqlite::UNIQUE_KEYS,
    primary_key: Some(scan::sqlite::PRIMARY_KEY),
    identity: cleanup::sqlite::IDENTITY,
};

impl Backend for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn product(&self) -> &'static str {
        "SQLite"
    }

    /// A relative path from the spec is relative to the spec's folder; the
    /// database is always opened read-only and never created.
    fn connect_url(&self, url: &str, base: Option<&Path>) -> String {
        let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let path = match base {
            Some(base)
                if !path.starts_with('/') && !path.starts_with(':') && base != Path::new("") =>
            {
                base.join(path).display().to_string()
            }
            _ => path.to_string(),
        };
        let mut params: Vec<&str> = query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("mode="))
            .collect();
        params.push("mode=ro");
        format!("sqlite://{path}?{}", params.join("&"))
    }

    /// Without the `mode=ro` every connection gets.
    fn shown_url(&self, connect: &str) -> String {
        connect
            .trim_end_matches("mode=ro")
            .trim_end_matches(['?', '&'])
            .to_string()
    }

    /// Still never created: a missing file is an error.
    fn writable_url(&self, connect: &str) -> String {
        format!("{}rw", connect.trim_end_matches("ro"))
    }

    fn url_options(&self) -> &'static [&'static str] {
        &["mode", "cache", "immutable", "vfs"]
    }

    fn splits(&self) -> bool {
        false
    }

    fn scan_session(&self, _server: &str, _millis: u64) -> Vec<Statement> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (threads, _) = crate::sql::render(
            Dialect::Sqlite,
            scan::sqlite::THREADS,
            &[("threads", &cores.to_string())],
            &[],
        );
        vec![
            Statement::plain(scan::sqlite::SESSION),
            Statement::plain(scan::sqlite::MMAP),
            Statement::plain(&threads),
            Statement::plain(scan::sqlite::BEGIN),
        ]
    }

    fn plan_session(&self) -> Vec<Statement> {
        Vec::new()
    }

    fn apply_session(&self, _server: &str, t: Timeouts) -> Vec<Statement> {
        let (sql, _) = crate::sql::render(
            Dialect::Sqlite,
            cleanup::sqlite::BUSY_TIMEOUT,
            &[("millis", &(t.lock.as_millis() as u64).to_string())],
            &[],
        );
        vec![Statement::plain(&sql)]
    }

    fn apply_begin(&self) -> &'static str {
        cleanup::sqlite::BEGIN
    }

    fn catalog(&self) -> &'static Catalog {
        &CATALOG
    }

    fn table_binds(&self, table: &TableName) -> Vec<Bind> {
        vec![Bind::Text(Some(table.name.clone()))]
    }

    fn name_binds(&self, table: &TableName) -> Vec<Bind> {
        self.table_binds(table)
    }

    fn schema_binds(&self, _schema: Option<&str>) -> Vec<Bind> {
        Vec::new()
    }

    fn identity_binds(&self, table: &TableName) -> Vec<Bind> {
        self.table_binds(table)
    }

    fn schema_word(&self) -> Option<&'static str> {
        None
    }

    fn lock_rows(&self) -> &'static str {
        ""
    }

    fn quarantine_create(&self) -> &'static str {
        cleanup::sqlite::QUARANTINE_CREATE
    }

    fn unique_index(&self) -> &'static str {
        prevent::SQLITE
    }

    fn guarded_insert(&self) -> &'static str {
        prevent::SQLITE_INSERT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_always_read_only() {
        let url = |u: &str, base: Option<&str>| Sqlite.connect_url(u, base.map(Path::new));
        assert_eq!(
            url("sqlite://data/x.db", None),
            "sqlite://data/x.db?mode=ro"
        );
        assert_eq!(
            url("sqlite://x.db?mode=rwc&cache=shared", Some("specs")),
            "sqlite://specs/x.db?cache=shared&mode=ro"
        );
        assert_eq!(
            url("sqlite:///abs/x.db", Some("specs")),
            "sqlite:///abs/x.db?mode=ro"
        );
        assert_eq!(
            Sqlite.writable_url("sqlite://x.db?mode=ro"),
            "sqlite://x.db?mode=rw"
        );
    }
}
