//! One backend per database: what dupaudit knows of a dialect's server, in one file
//! each ([`postgres`], [`mysql`], [`sqlite`]): how its URLs read, what a session of
//! a scan, of a plan and of an apply sets, which catalog queries answer which
//! question and what they are bound with, how the cleanup ledger locks the table,
//! and which index would have stopped the incident. The code that runs a scan or an
//! apply asks the backend of its [`Dialect`] and is written once. How a value is
//! written in SQL (quoting, placeholders, casts) belongs to the renderer,
//! [`crate::sql`].

mod mysql;
mod postgres;
mod sqlite;
pub mod sqlite_hash;

use std::path::Path;

use sqlx::AnyConnection;

use crate::sql::{Dialect, TableName};

/// A statement with its bound values, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub binds: Vec<Bind>,
}

impl Statement {
    pub fn plain(sql: &str) -> Statement {
        Statement {
            sql: sql.to_string(),
            binds: Vec::new(),
        }
    }
}

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(Option<String>),
    Int(i64),
    Float(f64),
}

/// The timeouts of a writing session.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Longest wait for a lock.
    pub lock: std::time::Duration,
    /// Longest any statement may run; `None`: no limit.
    pub statement: Option<std::time::Duration>,
}

/// What a dialect's catalog answers, each query with how it is bound.
pub struct Catalog {
    /// The tables (and views) of a schema; bound with [`Backend::schema_binds`].
    pub tables: &'static str,
    /// Tables of a name in other schemas (for the error of a missing table); bound
    /// with the name and the schema.
    pub elsewhere: Option<&'static str>,
    /// A table's columns in order; bound with [`Backend::name_binds`].
    pub columns: &'static str,
    /// A table's generated columns; bound with [`Backend::name_binds`].
    pub generated_columns: &'static str,
    /// A table's columns with their types; bound with [`Backend::table_binds`].
    pub column_types: &'static str,
    /// A table's foreign keys; bound with [`Backend::table_binds`].
    pub foreign_keys: &'static str,
    /// A table's unique keys; bound with [`Backend::table_binds`].
    pub unique_keys: &'static str,
    /// The primary key, where foreign keys reference it unnamed (SQLite).
    pub primary_key: Option<&'static str>,
    /// Server, database and table identity; bound with [`Backend::identity_binds`].
    pub identity: &'static str,
}

/// Everything dupaudit knows of one database dialect.
pub trait Backend: Sync {
    fn dialect(&self) -> Dialect;

    /// How reports name the kind of database.
    fn name(&self) -> &'static str;

    /// How messages to people name the database.
    fn product(&self) -> &'static str;

    // Connecting.

    /// The URL the driver connects with. `base`: the spec's folder, when the URL
    /// came from the spec.
    fn connect_url(&self, url: &str, _base: Option<&Path>) -> String {
        url.to_string()
    }

    /// The URL reports show (never with a password).
    fn shown_url(&self, connect: &str) -> String {
        crate::vocab::redact_url(connect)
    }

    /// The URL of the same database opened for writing.
    fn writable_url(&self, connect: &str) -> String {
        connect.to_string()
    }

    /// The options of a URL's query the driver reads (sqlx ignores any other).
    fn url_options(&self) -> &'static [&'static str];

    /// Whether a scan may be split over several connections.
    fn splits(&self) -> bool {
        true
    }

    /// A statement run on every new connection (a check the server is not going
    /// away).
    fn after_connect(&self) -> Option<&'static str> {
        None
    }

    /// What names the server's flavour, for the sessions below.
    fn server_query(&self) -> Option<&'static str> {
        None
    }

    // Sessions. `server`: what `server_query` answered.

    /// The session of a scan, up to and including its read-only transaction; a
    /// statement timeout of `millis` (0: none).
    fn scan_session(&self, server: &str, millis: u64) -> Vec<Statement>;

    /// The session of `plan`, which reads whole rows as `apply` will.
    fn plan_session(&self) -> Vec<Statement>;

    /// The session of `apply` and `restore`: UTC, the lock and statement timeouts.
    fn apply_session(&self, server: &str, t: Timeouts) -> Vec<Statement>;

    /// The query naming the user a session is logged in as; `None` where there
    /// are no users.
    fn current_user(&self) -> Option<&'static str> {
        None
    }

    /// Begins a writing transaction.
    fn apply_begin(&self) -> &'static str;

    // The catalog.

    fn catalog(&self) -> &'static Catalog;

    /// Binds of the queries of a table's types and keys.
    fn table_binds(&self, table: &TableName) -> Vec<Bind>;

    /// Binds of the queries of a table's column names.
    fn name_binds(&self, table: &TableName) -> Vec<Bind> {
        vec![
            Bind::Text(Some(table.name.clone())),
            Bind::Text(table.schema.clone()),
        ]
    }

    /// Binds of the query of the tables of `schema`.
    fn schema_binds(&self, schema: Option<&str>) -> Vec<Bind> {
        vec![Bind::Text(schema.map(str::to_string))]
    }

    /// Binds of the identity query.
    fn identity_binds(&self, table: &TableName) -> Vec<Bind>;

    /// What a schema is called here (`schema`, `database`); `None`: there are none.
    fn schema_word(&self) -> Option<&'static str>;

    // The cleanup ledger.

    /// The clause that locks the rows a statement reads.
    fn lock_rows(&self) -> &'static str;

    /// The quarantine table's CREATE statement.
    fn quarantine_create(&self) -> &'static str;

    /// Keys one statement of apply names.
    fn keys_per_statement(&self) -> usize {
        200
    }

    /// The unique index `suggest-constraint` proposes.
    fn unique_index(&self) -> &'static str;

    /// The insert that skips a second write of a key once that index exists.
    fn guarded_insert(&self) -> &'static str;
}

impl Dialect {
    /// The backend of this dialect.
    pub fn backend(self) -> &'static dyn Backend {
        match self {
            Dialect::Postgres => &postgres::Postgres,
            Dialect::Mysql => &mysql::Mysql,
            Dialect::Sqlite => &sqlite::Sqlite,
        }
    }

    /// The dialect of a URL's scheme; `None` for a scheme no backend reads.
    pub fn of_url(url: &str) -> Option<Dialect> {
        let scheme = url.split(':').next()?.to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Some(Dialect::Sqlite),
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::Mysql),
            _ => None,
        }
    }
}

/// A query of `sql` with `binds`.
pub fn query(
    sql: &str,
    binds: Vec<Bind>,
) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    let mut query = sqlx::query(sql);
    for b in binds {
        query = match b {
            Bind::Text(t) => query.bind(t),
            Bind::Int(n) => query.bind(n),
            Bind::Float(f) => query.bind(f),
        };
    }
    query
}

/// Runs `statements` in order.
pub async fn run(conn: &mut AnyConnection, statements: Vec<Statement>) -> Result<(), sqlx::Error> {
    for s in statements {
        query(&s.sql, s.binds).execute(&mut *conn).await?;
    }
    Ok(())
}

/// What the server says of its flavour, for the sessions of `backend`.
pub async fn server(
    backend: &dyn Backend,
    conn: &mut AnyConnection,
) -> Result<String, sqlx::Error> {
    match backend.server_query() {
        Some(sql) => sqlx::query_scalar(sql).fetch_one(&mut *conn).await,
        None => Ok(String::new()),
    }
}

/// Refuses a URL option its driver does not read, naming it and those it does.
pub fn check_url_options(backend: &dyn Backend, url: &str) -> Result<(), String> {
    let Some((_, query)) = url.split_once('?') else {
        return Ok(());
    };
    let known = backend.url_options();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let name = pair.split('=').next().unwrap_or_default();
        if !known.contains(&name) {
            return Err(format!(
                "`{name}` in the database URL ({}) is not an option the driver reads; it reads {}",
                crate::vocab::redact_url(url),
                known.join(", ")
            ));
        }
    }
    Ok(())
}
