//! Databases: SQLite, PostgreSQL and MySQL/MariaDB, with the grouping pushed down.
//!
//! In: a database URL and the spec. Out: a [`Dataset`] that holds only what can carry
//! a finding (every row and log row of the keys that can have one, NULL-key rows,
//! cross-key copies) plus totals counted by the database, so memory grows with the
//! number of findings, not with the table.
//!
//! Steps:
//! 1. Connect (retrying only on transient errors until the connect timeout), set the
//!    statement timeout, open a read-only transaction on one snapshot.
//! 2. Check that every table and column the spec names exists.
//! 3. Read the distinct status values and map them onto the spec's spellings.
//! 4. Count the totals; read the interesting keys' rows and log rows: in one query,
//!    or on PostgreSQL the keys first, then the rows of a key written twice by the
//!    row ids the grouping found, the others' rows and the log rows by key.
//! 5. Read the NULL-key rows.
//! 6. Cross-key, when enabled: hash every payload (pass 1), read the rows whose
//!    payload appears under several keys (pass 2) and the log rows of their keys.
//! 7. Roll back: the scan never writes.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use futures_util::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::postgres::PgConnection;
use sqlx::AnyConnection;
use sqlx::{Connection, Row};

use crate::backend::{self, Backend};
use crate::canonical::Canonicalizer;
use crate::classes;
use crate::error::Error;
use crate::findings::Class;
use crate::model::Clock;
use crate::model::{Counts, Dataset, Key, LogEntry, LogProjection, ResultProjection, ResultRow};
use crate::progress::Progress;
use crate::source::{redact_secrets, redact_url, Parts};
use crate::spec::{AuditSpec, Status};
use crate::sql::{self, queries, Dialect, TableName, TimeKind, TypedColumn, ValueKind};

mod lookup;
pub use lookup::KeyLookup;

/// From this many result rows on, a scan that checks cross-key says what it costs.
const CROSS_KEY_NOTICE_ROWS: u64 = 1_000_000;

/// Binds per query when reading the rows of the keys `explain` and incremental runs
/// ask for (MySQL, SQLite): a few large batches, since without an index on the key
/// each batch reads the tables once.
const BINDS_PER_LOOKUP: usize = 32_000;

/// The most bytes of keys listed as literals in one SQLite statement; past them the
/// keys are read with their rows.
const LISTED_BYTES: usize = 64 << 20;

/// Most rows listed as non-JSON; must match the scan's own limit.
use crate::findings::NON_JSON_LISTED;

use crate::sql::queries::scan as q;

/// A database reached through sqlx.
#[derive(Debug, Clone)]
pub struct DatabaseSource {
    /// The URL as given, credentials included: used to connect, never shown.
    url: String,
    /// What reports call it: the URL without password (and without the `mode=ro`
    /// that SQLite connections always get).
    shown: String,
    dialect: Dialect,
    opts: DatabaseOptions,
}

/// How to connect and how to run the queries.
#[derive(Debug, Clone, Copy)]
pub struct DatabaseOptions {
    pub connect_timeout: Duration,
    /// Longest a single query may run; `None`: no limit.
    pub statement_timeout: Option<Duration>,
    /// Slices of the key space read over as many connections (1: no split).
    pub partitions: u32,
}

impl DatabaseSource {
    /// `base` is the spec's folder when the URL came from the spec: a relative SQLite
    /// path is then taken relative to the spec, not to the working directory.
    pub fn new(
        url: &str,
        base: Option<&Path>,
        opts: DatabaseOptions,
    ) -> Result<DatabaseSource, Error> {
        let dialect = Dialect::of_url(url).ok_or_else(|| {
            Error::Usage(format!(
                "`{}` is not a database URL dupaudit knows; use sqlite://, postgres:// or mysql://",
                redact_url(url)
            ))
        })?;
        let backend = dialect.backend();
        let connect = backend.connect_url(url, base);
        backend::check_url_options(backend, url).map_err(Error::Usage)?;
        let shown = backend.shown_url(&connect);
        if opts.partitions == 0 {
            return Err(Error::Usage("--partitions must be at least 1".into()));
        }
        if opts.partitions > 1 && !backend.splits() {
            return Err(Error::Usage(format!(
                "--partitions splits a scan over several server connections; {} is read over one",
                backend.product()
            )));
        }
        Ok(DatabaseSource {
            url: connect,
            shown,
            dialect,
            opts,
        })
    }

    /// The source as a scan from the command line reads it: split into the parts
    /// asked for only where this machine has the cores to run them
    /// ([`parts_that_help`]).
    pub fn fitted_to_cores(mut self) -> DatabaseSource {
        self.opts.partitions = parts_that_help(self.opts.partitions, &self.url, cores());
        self
    }

    /// The same database opened for writing, for `apply` and `restore`: SQLite
    /// without `mode=ro` (still never created: a missing file is an error).
    pub fn writable(&self) -> DatabaseSource {
        let mut w = self.clone();
        w.url = self.dialect.backend().writable_url(&self.url);
        w
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The file of a SQLite database (`None` for another dialect or one in memory).
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        if self.dialect != Dialect::Sqlite {
            return None;
        }
        let rest = self
            .url
            .trim_start_matches("sqlite:")
            .trim_start_matches("//");
        let path = rest.split('?').next().unwrap_or_default();
        match path.is_empty() || path.starts_with(':') {
            true => None,
            false => Some(std::path::PathBuf::from(path)),
        }
    }

    /// The URL without its password.
    pub fn location(&self) -> String {
        self.shown.clone()
    }

    pub(crate) fn error(&self, e: sqlx::Error) -> Error {
        Error::Query {
            location: self.location(),
            message: redact_secrets(&e.to_string(), &self.url),
        }
    }

    /// Connects, retrying transient failures (refused, reset, timed out) until the
    /// connect timeout; authentication and other errors fail at once.
    pub async fn connect(&self) -> Result<AnyConnection, Error> {
        sqlx::any::install_default_drivers();
        self.connect_as().await
    }

    /// [`connect`](Self::connect), to a connection of the driver `C`: the Any driver,
    /// or PostgreSQL's own, whose rows are read without being converted first.
    async fn connect_as<C>(&self) -> Result<C, Error>
    where
        C: Connection,
        for<'c> &'c mut C: sqlx::Executor<'c>,
    {
        if self.dialect == Dialect::Sqlite {
            backend::sqlite_hash::register();
        }
        let deadline = Instant::now() + self.opts.connect_timeout;
        let mut pause = Duration::from_millis(100);
        loop {
            let attempt = tokio::time::timeout(
                deadline.saturating_duration_since(Instant::now()),
                C::connect(&self.url),
            )
            .await;
            let err = match attempt {
                Ok(Ok(mut conn)) => {
                    if let Some(check) = self.dialect.backend().after_connect() {
                        self.run(&mut conn, check).await?;
                    }
                    return Ok(conn);
                }
                Ok(Err(e)) => e,
                Err(_) => {
                    return Err(Error::Connect {
                        location: self.location(),
                        message: format!(
                            "no answer within {}",
                            humantime::format_duration(self.opts.connect_timeout)
                        ),
                    })
                }
            };
            let transient = matches!(err, sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut);
            if !transient || Instant::now() + pause >= deadline {
                return Err(Error::Connect {
                    location: self.location(),
                    message: redact_secrets(&err.to_string(), &self.url),
                });
            }
            tracing::debug!("connecting to {} failed ({err}); retrying", self.location());
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }

    /// Session settings, then a read-only transaction on one snapshot: a new one, or
    /// (PostgreSQL) the one another connection of the same scan exported.
    async fn begin_read_only(
        &self,
        conn: &mut AnyConnection,
        snapshot: Option<&str>,
    ) -> Result<(), Error> {
        let millis = self
            .opts
            .statement_timeout
            .map_or(0, |d| d.as_millis() as u64);
        if self.dialect == Dialect::Postgres {
            return self.begin_postgres(conn, millis, snapshot).await;
        }
        let backend = self.dialect.backend();
        let server = backend::server(backend, conn)
            .await
            .map_err(|e| self.error(e))?;
        backend::run(conn, backend.scan_session(&server, millis))
            .await
            .map_err(|e| self.error(e))
    }

    /// PostgreSQL's part of [`begin_read_only`](Self::begin_read_only), on a connection
    /// of either driver: the session settings with a statement timeout of `millis`
    /// (0: none), then the transaction, on `snapshot` when given.
    async fn begin_postgres<C>(
        &self,
        conn: &mut C,
        millis: u64,
        snapshot: Option<&str>,
    ) -> Result<(), Error>
    where
        for<'c> &'c mut C: sqlx::Executor<'c>,
    {
        // Statements without binds: those of both drivers go through the simple
        // query protocol.
        for statement in Dialect::Postgres.backend().scan_session("", millis) {
            self.run(conn, &statement.sql).await?;
        }
        if let Some(id) = snapshot {
            // SET TRANSACTION SNAPSHOT takes no parameters; the id comes from
            // pg_export_snapshot() and is checked to be what it always is.
            if !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                return Err(Error::Runtime(format!("unexpected snapshot id `{id}`")));
            }
            self.run(conn, &format!("SET TRANSACTION SNAPSHOT '{id}'"))
                .await?;
        }
        Ok(())
    }

    /// Runs one statement without parameters and leaves its rows.
    async fn run<C>(&self, conn: &mut C, statement: &str) -> Result<(), Error>
    where
        for<'c> &'c mut C: sqlx::Executor<'c>,
    {
        sqlx::Executor::execute(&mut *conn, statement)
            .await
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// The tables (and views) of `schema` (the current one when `None`), for `init`.
    pub async fn tables(&self, schema: Option<&str>) -> Result<Vec<String>, Error> {
        let mut conn = self.connect().await?;
        let tables = self.tables_in(&mut conn, schema).await;
        let _ = conn.close().await;
        tables
    }

    async fn tables_in(
        &self,
        conn: &mut AnyConnection,
        schema: Option<&str>,
    ) -> Result<Vec<String>, Error> {
        self.schemas_supported(schema)?;
        let backend = self.dialect.backend();
        let rows = backend::query(backend.catalog().tables, backend.schema_binds(schema))
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|r| self.text(r, 0).map(Option::unwrap_or_default))
            .collect()
    }

    /// SQLite has one database a file, and no schemas to name.
    pub(crate) fn schemas_supported(&self, schema: Option<&str>) -> Result<(), Error> {
        match (self.dialect.backend().schema_word(), schema) {
            (None, Some(schema)) => Err(Error::Usage(format!(
                "SQLite has no schemas, but the spec puts a table in schema `{schema}`: leave \
                 `schema` out of [results] and [log] for a SQLite database"
            ))),
            _ => Ok(()),
        }
    }

    /// What `init` reads of the two tables beyond their columns, on a connection of
    /// its own: the results' foreign keys to `log` (each as pairs of a results column
    /// and the log column it references), the log's unique keys, and the most
    /// frequent values of the log's `status` column with their row counts.
    pub async fn init_facts(
        &self,
        results: &TableName,
        log: &TableName,
        status: Option<&str>,
    ) -> Result<InitFacts, Error> {
        let mut conn = self.connect().await?;
        let facts = self.read_init_facts(&mut conn, results, log, status).await;
        let _ = conn.close().await;
        facts
    }

    async fn read_init_facts(
        &self,
        conn: &mut AnyConnection,
        results: &TableName,
        log: &TableName,
        status: Option<&str>,
    ) -> Result<InitFacts, Error> {
        let backend = self.dialect.backend();
        let catalog = backend.catalog();
        let of = |sql, table: &TableName| backend::query(sql, backend.table_binds(table));
        let mut facts = InitFacts::default();
        let rows = of(catalog.foreign_keys, results)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| self.error(e))?;
        let log_columns = self.columns(conn, log).await?;
        let log_primary = self.primary_key_of(conn, log).await?;
        let mut keys: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for r in &rows {
            let constraint = self.text(r, 0)?.unwrap_or_default();
            let column = self.text(r, 1)?.unwrap_or_default();
            let table = self.text(r, 2)?.unwrap_or_default();
            if table != log.name {
                continue;
            }
            let referenced = match self.text(r, 3)? {
                Some(c) => c,
                // SQLite: the referenced table's primary key, in order.
                None => {
                    let i = keys
                        .iter()
                        .find(|(c, _)| *c == constraint)
                        .map_or(0, |(_, pairs)| pairs.len());
                    log_primary.get(i).cloned().unwrap_or_default()
                }
            };
            if !log_columns.contains(&referenced) {
                continue;
            }
            match keys.iter_mut().find(|(c, _)| *c == constraint) {
                Some((_, pairs)) => pairs.push((column, referenced)),
                None => keys.push((constraint, vec![(column, referenced)])),
            }
        }
        facts.references = keys.into_iter().map(|(_, pairs)| pairs).collect();
        facts.log_unique = self.unique_keys(conn, log).await?;
        if let Some(status) = status {
            let value = sql::as_text(self.dialect, &sql::qualified(self.dialect, "t", status));
            let (sql, _) = sql::render(
                self.dialect,
                q::DISTINCT_VALUES,
                &[("value", &value), ("table", &log.quoted(self.dialect))],
                &[],
            );
            let rows = sqlx::query(&sql)
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| self.error(e))?;
            for r in &rows {
                let n = r.try_get::<i64, _>(1).map_err(|e| self.error(e))?;
                if let Some(v) = self.text(r, 0)? {
                    facts.statuses.push((v, n.max(0) as u64));
                }
            }
        }
        Ok(facts)
    }

    /// The unique keys of `table`, each its columns in order, the primary key first.
    async fn unique_keys(
        &self,
        conn: &mut AnyConnection,
        table: &TableName,
    ) -> Result<Vec<Vec<String>>, Error> {
        let backend = self.dialect.backend();
        let rows = backend::query(backend.catalog().unique_keys, backend.table_binds(table))
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| self.error(e))?;
        let mut keys: Vec<(String, Vec<String>)> = Vec::new();
        for r in &rows {
            let (name, column) = (
                self.text(r, 0)?.unwrap_or_default(),
                self.text(r, 1)?.unwrap_or_default(),
            );
            match keys.iter_mut().find(|(n, _)| *n == name) {
                Some((_, columns)) => columns.push(column),
                None => keys.push((name, vec![column])),
            }
        }
        Ok(keys.into_iter().map(|(_, c)| c).collect())
    }

    /// The primary key of `table` (SQLite's foreign keys reference it unnamed).
    async fn primary_key_of(
        &self,
        conn: &mut AnyConnection,
        table: &TableName,
    ) -> Result<Vec<String>, Error> {
        let backend = self.dialect.backend();
        let Some(sql) = backend.catalog().primary_key else {
            return Ok(Vec::new());
        };
        let rows = backend::query(sql, backend.table_binds(table))
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|r| self.text(r, 0).map(Option::unwrap_or_default))
            .collect()
    }

    /// The columns of `table` on a connection of its own, for `init`.
    pub async fn table_columns(&self, table: &TableName) -> Result<Vec<String>, Error> {
        let mut conn = self.connect().await?;
        let columns = self.columns(&mut conn, table).await;
        let _ = conn.close().await;
        columns
    }

    /// The table's columns; a missing table is an error that lists the tables there are.
    pub async fn columns(
        &self,
        conn: &mut AnyConnection,
        table: &TableName,
    ) -> Result<Vec<String>, Error> {
        self.schemas_supported(table.schema.as_deref())?;
        let schema = table.schema.as_deref();
        let backend = self.dialect.backend();
        let columns: Vec<String> =
            backend::query(backend.catalog().columns, backend.name_binds(table))
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| self.error(e))?
                .iter()
                .map(|r| self.text(r, 0).map(Option::unwrap_or_default))
                .collect::<Result<_, _>>()?;
        if columns.is_empty() {
            let available = self.tables_in(conn, schema).await?;
            let elsewhere_sql = backend.catalog().elsewhere;
            let mut elsewhere = String::new();
            if let Some(sql) = elsewhere_sql {
                let places_of = |name: String| {
                    sqlx::query_scalar::<_, String>(sql)
                        .bind(name)
                        .bind(schema.map(str::to_string))
                };
                let places: Vec<String> = places_of(table.name.clone())
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(|e| self.error(e))?;
                elsewhere = elsewhere_hint(backend, &places, &table.name);
                // `schema.table`, as SQL would name it: the spec takes the schema on
                // its own.
                if let (true, None, Some((named_schema, name))) =
                    (places.is_empty(), schema, table.name.rsplit_once('.'))
                {
                    let places: Vec<String> = places_of(name.to_string())
                        .fetch_all(&mut *conn)
                        .await
                        .map_err(|e| self.error(e))?;
                    if places.iter().any(|p| p == named_schema) {
                        elsewhere = qualified_hint(Some(named_schema), name);
                    } else if available.iter().any(|t| t == name) {
                        elsewhere = qualified_hint(None, name);
                    }
                }
            }
            return Err(Error::MissingTable {
                table: table.to_string(),
                location: self.location(),
                available,
                elsewhere,
            });
        }
        Ok(columns)
    }

    /// The SQL types of `columns` of `table`, as the catalog writes them: on
    /// PostgreSQL `format_type`'s, which bound arrays of their values are cast to
    /// ([`sql::with_arrays`]) and which quotes what needs it (a type with anything
    /// else in it is refused rather than put into SQL); MySQL's `column_type`;
    /// SQLite's declared type. `field` names the spec setting the columns come from.
    pub(crate) async fn column_types(
        &self,
        conn: &mut AnyConnection,
        table: &TableName,
        columns: &[String],
        field: &str,
    ) -> Result<Vec<String>, Error> {
        let backend = self.dialect.backend();
        let rows = backend::query(backend.catalog().column_types, backend.table_binds(table))
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| self.error(e))?;
        if rows.is_empty() {
            // No columns: no such table, which `columns` says with the tables there are.
            self.columns(conn, table).await?;
        }
        let mut types = Vec::new();
        for column in columns {
            let found = rows.iter().find_map(|r| {
                let name = self.text(r, 0).ok()??;
                (name == *column).then(|| self.text(r, 1).ok().flatten().unwrap_or_default())
            });
            let ty = found.ok_or_else(|| Error::MissingColumn {
                table: table.to_string(),
                column: column.clone(),
                field: field.into(),
                available: rows
                    .iter()
                    .filter_map(|r| self.text(r, 0).ok().flatten())
                    .collect(),
            })?;
            let plain = ty
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " _.\"(),[]".contains(c));
            if !plain {
                return Err(Error::Runtime(format!(
                    "cannot use the type `{ty}` of {table}.{column} in a cast"
                )));
            }
            types.push(ty);
        }
        Ok(types)
    }

    /// Every column of `table` with its kind, in table order.
    pub(crate) async fn table_types(
        &self,
        conn: &mut AnyConnection,
        table: &TableName,
    ) -> Result<Vec<TypedColumn>, Error> {
        let names = self.columns(conn, table).await?;
        let types = self.column_types(conn, table, &names, "the spec").await?;
        Ok(names
            .into_iter()
            .zip(types)
            .map(|(name, ty)| TypedColumn {
                name,
                kind: ValueKind::of(self.dialect, &ty),
                sql_type: ty,
            })
            .collect())
    }

    /// [`Typed`] for the results table alone, when the log is kept elsewhere: its
    /// log side repeats the results' key, which no query joins.
    pub(crate) async fn results_typed(
        &self,
        conn: &mut AnyConnection,
        spec: &AuditSpec,
    ) -> Result<Typed, Error> {
        let r = &spec.results;
        let columns = self.table_types(conn, &r.table_name()).await?;
        let pick = |name: &String| columns.iter().find(|c| c.name == *name).cloned();
        let key: Vec<TypedColumn> = r.key.iter().chain(&r.attempt).filter_map(pick).collect();
        let results_time = r
            .timestamp
            .as_ref()
            .and_then(pick)
            .map(|c| TimeKind::of(self.dialect, &c.sql_type));
        let clock = Clock::of(r.time_zone.as_deref(), r.epoch_unit);
        let plain = vec![false; key.len()];
        Ok(Typed {
            results_compared: key.clone(),
            log_compared: key.clone(),
            log_key: key.clone(),
            results_key: key,
            results_as_text: plain.clone(),
            log_as_text: plain,
            keys: r.key.len(),
            clocks: (clock, clock),
            results_time,
            log_created: TimeKind::Text,
            log_updated: None,
            results_columns: columns,
            log_columns: Vec::new(),
        })
    }

    /// What the catalog says of the columns the queries read, compare and bound (see
    /// [`Typed`]); an error when the key (or attempt) columns of the two tables
    /// cannot be compared. The spec's columns were checked to exist.
    async fn typed(&self, conn: &mut AnyConnection, spec: &AuditSpec) -> Result<Typed, Error> {
        let (r, l) = (&spec.results, &spec.log);
        let results_columns = self.table_types(conn, &r.table_name()).await?;
        let log_columns = self.table_types(conn, &l.table_name()).await?;
        let pick = |columns: &[TypedColumn], names: &[&String]| -> Vec<TypedColumn> {
            names
                .iter()
                .filter_map(|n| columns.iter().find(|c| c.name == **n).cloned())
                .collect()
        };
        let both_attempts = r.attempt.is_some() && l.attempt.is_some();
        let r_names: Vec<&String> = r
            .key
            .iter()
            .chain(r.attempt.iter().filter(|_| both_attempts))
            .collect();
        let l_names: Vec<&String> = l
            .key
            .iter()
            .chain(l.attempt.iter().filter(|_| both_attempts))
            .collect();
        let results_key = pick(&results_columns, &r_names);
        let log_key = pick(&log_columns, &l_names);
        let as_text =
            sql::key_comparison(&results_key, &log_key).map_err(|message| Error::SpecMismatch {
                location: self.location(),
                message,
            })?;
        let time = |columns: &[TypedColumn], name: &String| {
            pick(columns, &[name])
                .first()
                .map(|c| TimeKind::of(self.dialect, &c.sql_type))
                .unwrap_or(TimeKind::Text)
        };
        let compared = |columns: &[TypedColumn], sides: &[bool]| -> Vec<TypedColumn> {
            columns
                .iter()
                .zip(sides)
                .map(|(c, text)| match text {
                    true => TypedColumn {
                        kind: ValueKind::Text,
                        sql_type: "text".into(),
                        ..c.clone()
                    },
                    false => c.clone(),
                })
                .collect()
        };
        let r_text: Vec<bool> = as_text.iter().map(|p| p.0).collect();
        let l_text: Vec<bool> = as_text.iter().map(|p| p.1).collect();
        Ok(Typed {
            results_compared: compared(&results_key, &r_text),
            log_compared: compared(&log_key, &l_text),
            results_key,
            log_key,
            results_as_text: r_text,
            log_as_text: l_text,
            keys: r.key.len(),
            clocks: (
                Clock::of(r.time_zone.as_deref(), r.epoch_unit),
                Clock::of(l.time_zone.as_deref(), l.epoch_unit),
            ),
            results_time: r.timestamp.as_ref().map(|c| time(&results_columns, c)),
            log_created: time(&log_columns, &l.created_at),
            log_updated: l.updated_at.as_ref().map(|c| time(&log_columns, c)),
            results_columns,
            log_columns,
        })
    }

    pub async fn load(&self, spec: &AuditSpec, progress: &Progress) -> Result<Dataset, Error> {
        match self.load_parts(spec, progress, None).await? {
            Parts::Whole(data) => Ok(data),
            Parts::Streamed { .. } => Err(Error::Runtime(
                "the rows were read in parts where they were asked for whole".into(),
            )),
        }
    }

    /// Like [`Self::load`]; with `parts` (`keys_per_part`, `on_part`), PostgreSQL
    /// reads the rows in parts of about that many keys, in key order, and hands each
    /// to `on_part` as soon as it is read ([`Parts::Streamed`]); not when cross-key is
    /// checked or the scan is split over several connections, whose rows are needed
    /// whole.
    pub async fn load_parts(
        &self,
        spec: &AuditSpec,
        progress: &Progress,
        parts: Option<(usize, &mut OnPart<'_>)>,
    ) -> Result<Parts, Error> {
        let (keys_per_part, on_part) = parts.unzip();
        // 1.
        let mut conn = self.connect().await?;
        self.begin_read_only(&mut conn, None).await?;
        let result = self
            .read(&mut conn, spec, progress, keys_per_part, on_part)
            .await;
        // 7. Rolling back and closing explicitly ends the snapshot at once rather than
        // when the server notices the dropped connection.
        let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
        let _ = conn.close().await;
        result
    }

    /// Every result row and log row of `keys`, for `explain` and the keys an
    /// incremental run carries over, in one snapshot: on PostgreSQL every key bound
    /// at once as arrays, elsewhere in a few large batches.
    pub async fn load_keys(&self, spec: &AuditSpec, keys: &[Key]) -> Result<Dataset, Error> {
        let mut conn = self.connect().await?;
        self.begin_read_only(&mut conn, None).await?;
        let result = self.read_keys(&mut conn, spec, keys).await;
        let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
        let _ = conn.close().await;
        result
    }

    async fn read_keys(
        &self,
        conn: &mut AnyConnection,
        spec: &AuditSpec,
        keys: &[Key],
    ) -> Result<Dataset, Error> {
        let (rp, lp, payload_columns, typed) = self.projections(conn, spec).await?;
        let shape = Shape::new(self.dialect, spec, &rp, &lp, false, typed);
        if self.dialect == Dialect::Postgres {
            // Every key in one array per key column and table: one pass over each
            // table without an index on the key, one lookup per key with one.
            let (r_lookup, l_lookup) = self.key_accesses(conn, spec, shape.typed()).await?;
            let fragments = shape.fragments();
            let mut kept = ReadRows::default();
            for (template, slot, expr, marker, lookup) in [
                (
                    q::postgres::RESULT_ROWS_FOR_KEYS,
                    "r_key_in",
                    "{r_key}",
                    "r_keys",
                    &r_lookup,
                ),
                (
                    q::postgres::LOG_ROWS_FOR_KEYS,
                    "l_key_in",
                    "{l_key}",
                    "l_keys",
                    &l_lookup,
                ),
            ] {
                let (predicate, lists) =
                    sql::in_list(expr, marker, keys, &lookup.types, lookup.indexed);
                let template = sql::compose(template, &[(slot, &predicate)]);
                let (sql, binds) =
                    sql::render(self.dialect, &template, &fragments, &sql::named(&lists));
                let hidden = Progress::new(true);
                self.rows_into(conn, &sql, binds, &rp, &lp, &hidden, &mut kept)
                    .await?;
            }
            return Ok(Dataset::complete(
                spec,
                payload_columns,
                kept.results,
                kept.log,
            ));
        }
        let (r_key, l_key) = shape.typed().compared_keys();
        let mut results = Vec::new();
        let mut log = Vec::new();
        // Each key is bound once per table: a batch stays under SQLite's 32,766
        // variables and MySQL's 65,535 placeholders.
        let per_batch = (BINDS_PER_LOOKUP / 2 / spec.results.key.len().max(1)).max(1);
        for batch in keys.chunks(per_batch) {
            let (sql, binds) = sql::render_rows(
                self.dialect,
                q::KEY_ROWS,
                &shape.fragments(),
                &[],
                &[("r_keys", batch), ("l_keys", batch)],
                &[("r_keys", r_key), ("l_keys", l_key)],
            );
            let mut rows = bound(&sql, binds).fetch(&mut *conn);
            while let Some(row) = rows.try_next().await.map_err(|e| self.error(e))? {
                if self.text(&row, 0)?.as_deref() == Some("r") {
                    results.push(rp.row(self.cells(&row, 1, rp.columns.len())?)?);
                } else {
                    log.push(lp.entry(self.cells(&row, 1, lp.columns.len())?)?);
                }
            }
        }
        Ok(Dataset::complete(spec, payload_columns, results, log))
    }

    /// At most `n` keys of the results table that begin as `key` does (see
    /// [`crate::vocab::prefixes`]), for the error of a key that is not there.
    pub async fn similar_keys(
        &self,
        spec: &AuditSpec,
        key: &Key,
        n: usize,
    ) -> Result<Vec<Key>, Error> {
        let mut conn = self.connect().await?;
        self.begin_read_only(&mut conn, None).await?;
        let result = self.read_similar(&mut conn, spec, key, n).await;
        let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
        let _ = conn.close().await;
        result
    }

    async fn read_similar(
        &self,
        conn: &mut AnyConnection,
        spec: &AuditSpec,
        key: &Key,
        n: usize,
    ) -> Result<Vec<Key>, Error> {
        let d = self.dialect;
        let (rp, lp, _, typed) = self.projections(conn, spec).await?;
        let shape = Shape::new(d, spec, &rp, &lp, false, typed);
        let last = &spec.results.key[spec.results.key.len() - 1];
        let r_last_text = sql::as_text(d, &sql::qualified(d, "r", last));
        let limit = n.to_string();
        let mut fragments = shape.fragments();
        fragments.push(("r_last_text", &r_last_text));
        fragments.push(("limit", &limit));
        for prefix in crate::vocab::prefixes(&key[key.len() - 1]) {
            let pattern = sql::like_prefix(&prefix);
            let (sql, binds) =
                sql::render(d, q::SIMILAR_KEYS, &fragments, &[("prefix", &[pattern])]);
            let mut query = sqlx::query(&sql);
            for b in binds {
                query = query.bind(b);
            }
            let rows = query
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| self.error(e))?;
            let mut keys = Vec::new();
            for row in &rows {
                if let Some(k) = self
                    .cells(row, 0, key.len())?
                    .into_iter()
                    .collect::<Option<Key>>()
                {
                    keys.push(k);
                }
            }
            if !keys.is_empty() {
                return Ok(keys);
            }
        }
        Ok(Vec::new())
    }

    /// Checks that every table and column the spec names exists, and that the two
    /// tables' keys can be compared, before any other query; returns how to read them.
    async fn projections(
        &self,
        conn: &mut AnyConnection,
        spec: &AuditSpec,
    ) -> Result<(ResultProjection, LogProjection, Vec<String>, Typed), Error> {
        let (results, log) = (spec.results.table_name(), spec.log.table_name());
        let results_columns = self.columns(conn, &results).await?;
        let payload_columns = spec.results.payload_columns(&results_columns);
        let rp = ResultProjection::new(spec, &payload_columns);
        super::check_columns(
            &results.to_string(),
            &results_columns,
            &rp.columns,
            &rp.fields,
        )?;
        let log_columns = self.columns(conn, &log).await?;
        let lp = LogProjection::new(spec);
        super::check_columns(&log.to_string(), &log_columns, &lp.columns, &lp.fields)?;
        let typed = self.typed(conn, spec).await?;
        Ok((rp, lp, payload_columns, typed))
    }

    async fn read(
        &self,
        conn: &mut AnyConnection,
        spec: &AuditSpec,
        progress: &Progress,
        keys_per_part: Option<usize>,
        mut on_part: Option<&mut OnPart<'_>>,
    ) -> Result<Parts, Error> {
        let d = self.dialect;
        // 2.
        let (rp, lp, payload_columns, typed) = self.projections(conn, spec).await?;
        let (r_lookup, l_lookup) = self.key_accesses(conn, spec, &typed).await?;
        // A duplicated key's rows are read by row id (ctid) when each names one row
        // and no index serves the key. With such an index the grouping reads the index
        // alone, in key order, and the rows are best looked up through it: asking the
        // grouping for row ids would make it visit the table row by row in index order.
        // Cross-key reads the rows of shared payloads again by row id on any plain
        // table: PostgreSQL's ctid, SQLite's rowid (unless a column takes its name).
        let mut estimate = None;
        let plain = match d {
            Dialect::Postgres => {
                let (plain, rows) = sqlx::query_as::<_, (bool, i64)>(q::postgres::PLAIN_TABLE)
                    .bind(spec.results.table_name().quoted(d))
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(|e| self.error(e))?;
                estimate = u64::try_from(rows).ok();
                plain
            }
            Dialect::Sqlite => {
                let named_rowid = typed.results_columns.iter().any(|c| {
                    ["rowid", "oid", "_rowid_"]
                        .iter()
                        .any(|n| c.name.eq_ignore_ascii_case(n))
                });
                !named_rowid
                    && sqlx::query_scalar::<_, i64>(q::sqlite::ROWID_TABLE)
                        .bind(spec.results.table.clone())
                        .fetch_one(&mut *conn)
                        .await
                        .map_err(|e| self.error(e))?
                        > 0
            }
            Dialect::Mysql => false,
        };
        let row_ids = plain && d == Dialect::Postgres && !r_lookup.indexed;
        // SQLite's rowids, the same way, for the duplicate classes alone.
        let by_rowid = plain && d == Dialect::Sqlite && !r_lookup.indexed;
        let mut shape = Shape::new(d, spec, &rp, &lp, row_ids, typed);
        shape.plain = plain;
        // MySQL and MariaDB: whether an index starts with the key, in each table.
        let mysql_indexed = match d {
            Dialect::Mysql => Some((
                self.mysql_key_indexed(conn, &spec.results.table_name(), &spec.results.key)
                    .await?,
                self.mysql_key_indexed(conn, &spec.log.table_name(), &spec.log.key)
                    .await?,
            )),
            _ => None,
        };
        let mariadb = d == Dialect::Mysql && self.mariadb(conn).await?;
        if let (true, Some((results_indexed, _))) = (mariadb, mysql_indexed) {
            shape.sort_groupings(results_indexed);
        }
        // The log checks as one grouping of both tables' rows (keys_logged_grouped.sql):
        // on SQLite and MariaDB, index or not.
        let logs_grouped = match d {
            Dialect::Sqlite => true,
            Dialect::Mysql => mariadb,
            Dialect::Postgres => false,
        };
        let json_columns: Vec<bool> = payload_columns
            .iter()
            .map(|c| spec.results.json.contains(c))
            .collect();

        // 3. The status values, at once when the queries of the checked classes bind
        // them; else on the totals' connection, at the same time as the keys are read.
        let checks = spec.scan.checks();
        let needs = classes::needs(&checks);
        let binds_statuses = needs.statuses;
        // The status values also count the log and its unknown statuses, which only
        // a class that judges the whole log needs.
        let log_counted = needs.whole_log;
        let early = if binds_statuses || (d == Dialect::Sqlite && log_counted) {
            progress.phase("reading the log's status values");
            Some(self.statuses(conn, spec, &shape).await?)
        } else {
            None
        };
        let no_statuses = Statuses::default();
        let listed = early.as_ref().unwrap_or(&no_statuses);
        let (failed, completed, processing) = (
            listed.spellings(Status::Failed),
            listed.spellings(Status::Completed),
            listed.spellings(Status::Processing),
        );

        // 4.
        progress.phase("counting rows and keys");
        let window = spec.scan.window.map(|w| shape.typed().window_bounds(d, w));
        let times: Vec<(&str, &[String])> = window
            .iter()
            .flatten()
            .map(|(name, value)| (*name, std::slice::from_ref(value)))
            .collect();
        let n = self.opts.partitions;
        let in_parts = keys_per_part.filter(|_| n <= 1 && !checks.contains(&Class::CrossKey));
        // In parts, except on PostgreSQL with an index on the key in both tables, the
        // rows of the interesting keys come sorted by key from one query
        // (interesting_sorted.sql).
        let sorted =
            in_parts.is_some() && on_part.is_some() && !(r_lookup.indexed && l_lookup.indexed);
        // PostgreSQL reads the duplicated keys with their row counts (keys.sql), and
        // every dialect counts the surplus rows of the rows it reads sorted: the
        // number of keys then follows from the plain row counts, and the totals need
        // no COUNT(DISTINCT) pass, which costs as much as the grouping itself.
        let key_count_from_duplicates = (d == Dialect::Postgres || sorted)
            && window.is_none()
            && (checks.contains(&Class::Exact) || checks.contains(&Class::Conflict));
        // Over one connection, with an index on the key, the grouping of the
        // duplicated keys counts the table too: it reads the index in key order
        // anyway. Without one, GROUPING SETS would turn the grouping's hash into a
        // sort of the whole table on disk (11.5 s against 7.1 s at 10 million rows,
        // in EXPLAIN ANALYZE), slower than counting on another connection beside it.
        let counted = key_count_from_duplicates && n <= 1 && r_lookup.indexed && !sorted;
        // The duplicate classes alone: the keys query is then the counting grouping
        // alone, which may be read in two key ranges at once.
        let splittable = counted
            && checks
                .iter()
                .all(|c| matches!(c, Class::Exact | Class::Conflict));
        // PostgreSQL, cross-key over a plain table: its pass reads every keyed row
        // beside the totals, and counts their keys (a grouping of the whole table
        // otherwise, which took as long as the pass and crowded it out of a core).
        let key_count_from_cross_key = d == Dialect::Postgres
            && shape.plain
            && checks.contains(&Class::CrossKey)
            && window.is_none()
            && !key_count_from_duplicates;
        let totals_template = match window {
            Some(_) => windowed(d, q::TOTALS_WINDOW, spec, shape.typed()),
            None if key_count_from_duplicates || key_count_from_cross_key => match d {
                Dialect::Postgres => q::postgres::ROW_COUNTS.to_string(),
                Dialect::Mysql | Dialect::Sqlite => q::ROW_COUNTS.to_string(),
            },
            None => q::TOTALS.to_string(),
        };
        let (totals_sql, totals_binds) =
            sql::render(d, &totals_template, &shape.fragments(), &times);
        // On a server, every other connection of this scan reads this one's snapshot
        // (PostgreSQL) so that all of them see one moment.
        let snapshot = match d {
            Dialect::Postgres => Some(
                sqlx::query_scalar::<_, String>(q::postgres::EXPORT_SNAPSHOT)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(|e| self.error(e))?,
            ),
            _ => None,
        };
        // The totals are a full pass over both tables, like the interesting rows: on a
        // server they run at the same time, on a connection of their own.
        let totals_beside = async {
            // Nothing to read beside: SQLite reads on one connection, and a counting
            // grouping with the statuses read already or not needed leaves nothing
            // else.
            let statuses_beside = early.is_none() && log_counted;
            if d == Dialect::Sqlite || (counted && !statuses_beside) {
                return Ok((None, None));
            }
            let mut c = self.connect().await?;
            self.begin_read_only(&mut c, snapshot.as_deref()).await?;
            if d == Dialect::Postgres {
                sqlx::query(q::postgres::SERIAL)
                    .execute(&mut c)
                    .await
                    .map_err(|e| self.error(e))?;
            }
            let statuses = match statuses_beside {
                false => Ok(None),
                true => self.statuses(&mut c, spec, &shape).await.map(Some),
            };
            let row = match counted {
                true => Ok(None),
                false => bound(&totals_sql, totals_binds.clone())
                    .fetch_one(&mut c)
                    .await
                    .map(Some)
                    .map_err(|e| self.error(e)),
            };
            let _ = sqlx::query("ROLLBACK").execute(&mut c).await;
            let _ = c.close().await;
            let totals = match row? {
                Some(row) => Some(self.totals_of(&row)?),
                None => None,
            };
            Ok((totals, statuses?))
        };

        let mut lists = vec![
            ("failed", failed.as_slice()),
            ("completed", completed.as_slice()),
            ("processing", processing.as_slice()),
        ];
        lists.extend(times.iter().copied());
        let wrapper = match (d, sorted) {
            (_, true) => Wrapper::Sorted { row_ids },
            (Dialect::Postgres, false) => Wrapper::Keys,
            (Dialect::Sqlite | Dialect::Mysql, false) => Wrapper::Rows,
        };
        let template = windowed(
            d,
            &interesting_template(d, wrapper, &checks, counted, by_rowid, logs_grouped),
            spec,
            shape.typed(),
        );
        // PostgreSQL, the whole key space on one connection: the keys queries of the
        // classes run at the same time, each a pass of its own over the tables.
        let concurrent = match (d, window.is_none() && n <= 1) {
            (Dialect::Postgres, true) => key_statements(wrapper, &checks, counted),
            _ => None,
        };
        // SQLite: other connections read what the scan's does while it holds its
        // read lock (it has read the catalog in its transaction, and in any journal
        // mode but WAL no write lands until it ends).
        let sqlite_beside = d == Dialect::Sqlite && n <= 1 && {
            let mode: String = sqlx::query_scalar(q::sqlite::JOURNAL_MODE)
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| self.error(e))?;
            !mode.eq_ignore_ascii_case("wal")
        };
        if sqlite_beside && shape.plain && checks.contains(&Class::CrossKey) {
            let (sql, _) = sql::render(d, q::sqlite::ROW_ESTIMATE, &shape.fragments(), &[]);
            let rows: i64 = sqlx::query_scalar(&sql)
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| self.error(e))?;
            estimate = u64::try_from(rows).ok();
        }
        // MariaDB computes a CTE once for each reference: the keys are read first;
        // their rows are looked up through the key's indexes where both tables have
        // one. SQLite reads on one thread a connection: the keys query of each class
        // runs on a connection of its own, at the same time, where those connections
        // read what the scan's does (it read the log already, and holds its read
        // lock: in any journal mode but WAL no write lands until it ends).
        let listed = match d {
            Dialect::Mysql if mariadb => {
                let indexed = mysql_indexed.is_some_and(|(r, l)| r && l);
                listed_statements(d, wrapper, &checks, counted, logs_grouped).map(|mut listed| {
                    if indexed {
                        listed.around = format!("{}\n{}", q::mysql::INDEX_LOOKUPS, listed.around);
                    }
                    listed
                })
            }
            Dialect::Sqlite if early.is_some() && sqlite_beside => {
                listed_statements(d, wrapper, &checks, counted, logs_grouped)
            }
            _ => None,
        }
        .map(|listed| Listed {
            keys: listed
                .keys
                .iter()
                .map(|keys| windowed(d, keys, spec, shape.typed()))
                .collect(),
            around: windowed(d, &listed.around, spec, shape.typed()),
        });
        progress.phase("reading the keys that can carry a finding");
        let columns = Dataset {
            payload_columns: payload_columns.clone(),
            json_columns: json_columns.clone(),
            ..Default::default()
        };
        let rows = async {
            if template.is_empty() {
                Ok(Interesting {
                    kept: ReadRows::default(),
                    surplus: 0,
                    table: None,
                    streamed: None,
                })
            } else if n <= 1 {
                let scope = Scope {
                    shape: &shape,
                    rp: &rp,
                    lp: &lp,
                    snapshot: snapshot.as_deref(),
                    keys: (&r_lookup, &l_lookup),
                    in_parts,
                    sorted,
                    columns: &columns,
                    slice: 0,
                    splittable,
                    concurrent: concurrent.as_ref(),
                    listed: listed.as_ref(),
                };
                let on_part = on_part.as_deref_mut();
                // SQLite's keys queries are groupings, which it sorts faster in files.
                let in_files = d == Dialect::Sqlite;
                if in_files {
                    self.run(&mut *conn, q::sqlite::TEMP_FILES).await?;
                }
                let found = self
                    .interesting(&mut *conn, &template, &scope, &lists, progress, on_part)
                    .await?;
                if in_files {
                    self.run(&mut *conn, q::sqlite::SESSION).await?;
                }
                Ok(found)
            } else {
                // Each slice on its own connection.
                let listed_ref = listed.as_ref();
                let slices = (0..n).map(|slice| {
                    let (template, shape, rp, lp, lists, snapshot, columns) = (
                        &template,
                        &shape,
                        &rp,
                        &lp,
                        &lists,
                        snapshot.as_deref(),
                        &columns,
                    );
                    let keys = (&r_lookup, &l_lookup);
                    let progress = progress.clone();
                    async move {
                        let mut c = self.connect().await?;
                        self.begin_read_only(&mut c, snapshot).await?;
                        let scope = Scope {
                            shape,
                            rp,
                            lp,
                            snapshot,
                            keys,
                            in_parts: None,
                            sorted: false,
                            columns,
                            slice,
                            splittable: false,
                            concurrent: None,
                            listed: listed_ref,
                        };
                        let found = self
                            .interesting(&mut c, template, &scope, lists, &progress, None)
                            .await;
                        let _ = sqlx::query("ROLLBACK").execute(&mut c).await;
                        let _ = c.close().await;
                        found
                    }
                });
                let mut all = Interesting {
                    kept: ReadRows::default(),
                    surplus: 0,
                    table: None,
                    streamed: None,
                };
                for slice in futures_util::future::try_join_all(slices).await? {
                    all.kept.results.extend(slice.kept.results);
                    all.kept.log.extend(slice.kept.log);
                    all.surplus += slice.surplus;
                }
                Ok(all)
            }
        };
        // Cross-key over a plain table: its one pass over every payload runs on a
        // connection of its own, beside the others, in the scan's snapshot
        // (PostgreSQL) or under its read lock (SQLite).
        let canon = Canonicalizer::new(json_columns.clone(), &spec.results.ignore_fields);
        let beside_tried = shape.plain
            && checks.contains(&Class::CrossKey)
            && (sqlite_beside || snapshot.is_some());
        let cross_beside = async {
            if !beside_tried {
                return Ok(None);
            }
            cross_key_notice(estimate.unwrap_or(0), shape.plain, true);
            if sqlite_beside {
                return Ok(self
                    .cross_key_in_sqlite_beside(spec, &times, &shape, &rp, &canon, progress)
                    .await
                    .map(|(copies, non_json, listed)| (copies, non_json, listed, None)));
            }
            let Some(snapshot) = snapshot.as_deref() else {
                return Ok(None);
            };
            let rows = estimate.unwrap_or(0);
            // PostgreSQL's own driver: the Any driver's copy of each row was a fifth
            // of the pass.
            let mut c = self.reader(Some(snapshot)).await?;
            let mut non_json_rows = Vec::new();
            let found = self
                .cross_key_rows_by_id(
                    &mut c,
                    spec,
                    &times,
                    &shape,
                    &rp,
                    &canon,
                    rows,
                    key_count_from_cross_key,
                    &mut non_json_rows,
                    progress,
                )
                .await;
            let _ = sqlx::query("ROLLBACK").execute(&mut c).await;
            let _ = c.close().await;
            let (copies, non_json, keys) = found?;
            Ok(Some((copies, non_json, non_json_rows, keys)))
        };
        let ((totals, beside), found, cross) =
            futures_util::try_join!(totals_beside, rows, cross_beside)?;
        let Interesting {
            mut kept,
            surplus,
            table,
            streamed,
        } = found;
        // None: the log is not counted.
        let statuses = early.or(beside);
        let [result_rows, null_key_rows, mut keys, mut log_rows] = match (table, totals) {
            (Some([rows, null_key_rows]), _) => [rows, null_key_rows, 0, 0],
            (None, Some(t)) => t,
            (None, None) => {
                // SQLite counts the keys from a grouping, which it sorts faster in
                // files.
                let in_files = d == Dialect::Sqlite;
                if in_files {
                    self.run(&mut *conn, q::sqlite::TEMP_FILES).await?;
                }
                let row = bound(&totals_sql, totals_binds)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(|e| self.error(e))?;
                if in_files {
                    self.run(&mut *conn, q::sqlite::SESSION).await?;
                }
                self.totals_of(&row)?
            }
        };
        if key_count_from_duplicates {
            // Every keyed row is either the only row of its key or one of the rows of
            // a duplicated key, of which all but one are surplus.
            keys = result_rows - null_key_rows - surplus;
        }
        if key_count_from_cross_key {
            keys = cross.as_ref().and_then(|found| found.3).ok_or_else(|| {
                Error::Runtime("cross-key's pass did not count the keys".to_string())
            })?;
        }
        if key_count_from_duplicates || key_count_from_cross_key {
            // row_counts.sql leaves the log alone: the statuses counted its rows.
            log_rows = statuses.as_ref().map_or(0, |s| s.rows);
        }
        let mut counts = Counts {
            result_rows,
            null_key_rows,
            keys,
            log_rows: log_counted.then_some(log_rows),
            unknown_statuses: statuses
                .as_ref()
                .map(|s| s.unknown_values.clone().into_iter().collect()),
            non_json_payloads: None,
            malformed: Vec::new(),
            redis: None,
        };

        // 5.
        if checks.contains(&Class::NullKey) {
            progress.phase("reading rows whose key is NULL");
            let (sql, binds) = sql::render(
                d,
                &windowed(d, q::NULL_KEYS, spec, shape.typed()),
                &shape.fragments(),
                &times,
            );
            let mut rows = bound(&sql, binds).fetch(&mut *conn);
            while let Some(row) = rows.try_next().await.map_err(|e| self.error(e))? {
                kept.results
                    .push(rp.row(self.cells(&row, 0, rp.columns.len())?)?);
            }
        }
        let shape_of = |counts| Dataset {
            counts: Some(counts),
            ..columns.clone_shape()
        };
        let (mut results, mut log) = match (kept, streamed, on_part) {
            // The NULL-key rows are the last part.
            (kept, Some(mut origin), Some(on_part)) => {
                let scope = Scope {
                    shape: &shape,
                    rp: &rp,
                    lp: &lp,
                    snapshot: None,
                    keys: (&r_lookup, &l_lookup),
                    in_parts,
                    sorted,
                    columns: &columns,
                    slice: 0,
                    splittable: false,
                    concurrent: None,
                    listed: None,
                };
                self.hand_over(kept, &scope, &mut origin, on_part)?;
                return Ok(Parts::Streamed {
                    shape: shape_of(counts),
                });
            }
            (ReadRows { results, log }, _, _) => (results, log),
        };

        // 6.
        if checks.contains(&Class::CrossKey) {
            let (copies, non_json, non_json_rows) = match cross {
                Some((copies, non_json, non_json_rows, _)) => (copies, non_json, non_json_rows),
                None => {
                    // A pass tried beside the others said what it costs already.
                    if !beside_tried {
                        cross_key_notice(result_rows, shape.plain, false);
                    }
                    let mut non_json_rows = Vec::new();
                    let (copies, non_json) = self
                        .cross_key_rows(
                            conn,
                            spec,
                            &times,
                            &shape,
                            &rp,
                            &canon,
                            result_rows,
                            &mut non_json_rows,
                            progress,
                        )
                        .await?;
                    (copies, non_json, non_json_rows)
                }
            };
            counts.non_json_payloads = Some((non_json, non_json_rows));
            let known_rows: HashSet<Vec<String>> = results.iter().map(|r| r.pk.clone()).collect();
            let known_keys: HashSet<Key> = log.iter().filter_map(|e| e.key.clone()).collect();
            let mut new_keys: Vec<Key> = Vec::new();
            let mut listed: HashSet<Key> = HashSet::new();
            for row in copies {
                if known_rows.contains(&row.pk) {
                    continue;
                }
                if let Some(k) = &row.key {
                    if !known_keys.contains(k) && listed.insert(k.clone()) {
                        new_keys.push(k.clone());
                    }
                }
                results.push(row);
            }
            // Without an index on the key each query reads the log once: few, large.
            let per_query = (BINDS_PER_LOOKUP / spec.log.key.len().max(1)).max(1);
            for batch in new_keys.chunks(per_query) {
                log.extend(self.log_for_keys(conn, &shape, &lp, batch).await?);
            }
        }

        Ok(Parts::Whole(Dataset {
            payload_columns,
            json_columns,
            results,
            log,
            counts: Some(counts),
        }))
    }

    /// The distinct status values of the log, mapped onto the spec's spellings.
    async fn statuses(
        &self,
        conn: &mut AnyConnection,
        spec: &AuditSpec,
        shape: &Shape,
    ) -> Result<Statuses, Error> {
        let (sql, _) = sql::render(self.dialect, q::STATUSES, &shape.fragments(), &[]);
        let mut out = Statuses::default();
        let mut rows = sqlx::query(&sql).fetch(&mut *conn);
        while let Some(row) = rows.try_next().await.map_err(|e| self.error(e))? {
            let raw = self.text(&row, 0)?;
            let n = row.try_get::<i64, _>(1).map_err(|e| self.error(e))? as u64;
            out.rows += n;
            let status = spec
                .log
                .statuses
                .classify(raw.as_deref().unwrap_or_default());
            if status == Status::Unknown {
                out.unknown += n;
                let value = raw.clone().unwrap_or_else(|| "NULL".into());
                *out.unknown_values.entry(value).or_default() += n;
            }
            if let Some(raw) = raw {
                out.spellings.entry(status).or_default().push(raw);
            }
        }
        Ok(out)
    }

    /// One row of the keys query (keys.sql): the key with its row count and first
    /// and last row ids, or keys_duplicated_counted.sql's count of the table's rows
    /// (`all`) or of its NULL-key rows (`null`).
    fn key_row(&self, row: &AnyRow, arity: usize) -> Result<KeyRow, Error> {
        let n: Option<i64> = row.try_get(arity).map_err(|e| self.error(e))?;
        let first = self.text(row, arity + 1)?;
        let count = n.unwrap_or(0).max(0) as u64;
        match first.as_deref() {
            Some("all") => return Ok(KeyRow::All(count)),
            Some("null") => return Ok(KeyRow::Null(count)),
            _ => {}
        }
        let key: Option<Key> = self.cells(row, 0, arity)?.into_iter().collect();
        let key =
            key.ok_or_else(|| Error::Runtime("the key query returned a NULL key".to_string()))?;
        Ok(KeyRow::Key {
            key,
            n,
            first,
            last: self.text(row, arity + 2)?,
        })
    }

    /// PostgreSQL: where to split a duplicate scan's grouping into two key ranges,
    /// each read through the key's index on a connection of its own at the same
    /// time (a grouping uses one core): for the counting grouping alone
    /// (`scope.splittable`) read in parts through indexes on a one-column key that
    /// compares in byte order, so that the lower range's keys, then the upper's,
    /// come in the parts' order; at the middle of the column's histogram, when the
    /// planner's statistics have one.
    async fn key_split(
        &self,
        conn: &mut AnyConnection,
        scope: &Scope<'_>,
        on_part: bool,
    ) -> Result<Option<KeySplit>, Error> {
        let (r, l) = scope.keys;
        let shape = scope.shape;
        let eligible = self.dialect == Dialect::Postgres
            && scope.splittable
            && on_part
            && scope.in_parts.is_some()
            && !scope.sorted
            && r.indexed
            && l.indexed
            && r.byte_ordered
            && shape.results_key.len() == 1
            && r.types.len() == 1;
        if !eligible {
            return Ok(None);
        }
        let bound = sqlx::query_scalar::<_, Option<String>>(q::postgres::KEY_SPLIT)
            .bind(shape.results.quoted(self.dialect))
            .bind(&shape.results_key[0])
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| self.error(e))?
            .flatten();
        if let Some(bound) = &bound {
            tracing::info!("grouping the keys in two ranges, below {bound:?} and from it, at once");
        }
        Ok(bound.map(|bound| KeySplit {
            column: sql::qualified(self.dialect, "r", &shape.results_key[0]),
            ty: r.types[0].clone(),
            bound,
        }))
    }

    /// PostgreSQL: how to look a list of keys up in `table`: the key columns' types,
    /// whether an index starts with them (`key_indexed.sql`) and whether they compare
    /// in byte order (`key_byte_ordered.sql`).
    async fn key_access(
        &self,
        conn: &mut AnyConnection,
        table: &TableName,
        key: &[String],
        field: &str,
    ) -> Result<KeyAccess, Error> {
        let types = self.column_types(conn, table, key, field).await?;
        let mut answers = [false; 2];
        let questions = [q::postgres::KEY_INDEXED, q::postgres::KEY_BYTE_ORDERED];
        for (answer, question) in answers.iter_mut().zip(questions) {
            *answer = sqlx::query_scalar::<_, bool>(question)
                .bind(table.quoted(self.dialect))
                .bind(serde_json::to_string(key).expect("names serialize"))
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| self.error(e))?;
        }
        let [indexed, byte_ordered] = answers;
        Ok(KeyAccess {
            types,
            indexed,
            byte_ordered,
        })
    }

    /// MySQL and MariaDB: whether an index of `table` starts with the columns of
    /// `key`, in any order.
    async fn mysql_key_indexed(
        &self,
        conn: &mut AnyConnection,
        table: &TableName,
        key: &[String],
    ) -> Result<bool, Error> {
        let rows = backend::query(
            q::mysql::INDEX_COLUMNS,
            self.dialect.backend().name_binds(table),
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| self.error(e))?;
        let mut indexes: Vec<(String, Vec<String>)> = Vec::new();
        for row in &rows {
            let name = self.text(row, 0)?.unwrap_or_default();
            let column = self.text(row, 1)?.unwrap_or_default().to_lowercase();
            match indexes.last_mut() {
                Some((last, columns)) if *last == name => columns.push(column),
                _ => indexes.push((name, vec![column])),
            }
        }
        let mut wanted: Vec<String> = key.iter().map(|c| c.to_lowercase()).collect();
        wanted.sort();
        Ok(indexes.into_iter().any(|(_, columns)| {
            let mut leading: Vec<String> = columns.into_iter().take(wanted.len()).collect();
            leading.sort();
            leading == wanted
        }))
    }

    /// PostgreSQL: how keys are looked up in the results and in the log (both
    /// default elsewhere). A key column compared as its text is looked up as text,
    /// without its index.
    async fn key_accesses(
        &self,
        conn: &mut AnyConnection,
        spec: &AuditSpec,
        typed: &Typed,
    ) -> Result<(KeyAccess, KeyAccess), Error> {
        let d = self.dialect;
        if d != Dialect::Postgres {
            return Ok(Default::default());
        }
        let mut r_lookup = self
            .key_access(
                conn,
                &spec.results.table_name(),
                &spec.results.key,
                "results.key",
            )
            .await?;
        let mut l_lookup = self
            .key_access(conn, &spec.log.table_name(), &spec.log.key, "log.key")
            .await?;
        r_lookup.compared(&typed.results_compared, &typed.results_as_text, typed.keys);
        l_lookup.compared(&typed.log_compared, &typed.log_as_text, typed.keys);
        Ok((r_lookup, l_lookup))
    }

    /// Every result row and log row of the keys that can carry a finding, in one slice
    /// of the key space (slice 0 of 1 when the scan is not split), and the surplus
    /// rows of the duplicated keys among them when the dialect counts them (else 0).
    ///
    /// PostgreSQL: the keys first (`keys.sql`), with the row ids of each duplicated
    /// key's first and last row; then the rows of the keys with two rows by id, the
    /// other keys' rows by key, and the log rows of every key, the log on a second
    /// connection to the same snapshot at the same time. Other dialects: rows and log
    /// rows in one query (`interesting.sql`), the rows picked by a semi-join on the keys.
    async fn interesting(
        &self,
        conn: &mut AnyConnection,
        template: &str,
        scope: &Scope<'_>,
        lists: &[(&str, &[String])],
        progress: &Progress,
        on_part: Option<&mut OnPart<'_>>,
    ) -> Result<Interesting, Error> {
        if let Some((statements, around)) = scope.concurrent {
            return self
                .interesting_at_once(conn, statements, around, scope, lists, progress, on_part)
                .await;
        }
        let Scope { shape, rp, lp, .. } = *scope;
        let (r_part, l_part) = shape.partition(self.opts.partitions, scope.slice);
        let mut fragments = shape.fragments();
        fragments.push(("r_part", &r_part));
        fragments.push(("l_part", &l_part));
        let split = self.key_split(conn, scope, on_part.is_some()).await?;
        let whole = sql::compose(template, &[("r_range", "")]);
        let (sql, binds) = match &split {
            None => sql::render(self.dialect, &whole, &fragments, lists),
            Some(split) => split.render(self.dialect, template, &fragments, lists, true),
        };
        let (sql, binds) = match scope.listed {
            Some(listed) => {
                let listed = self.listed(conn, listed, &fragments, lists).await?;
                listed.unwrap_or((sql, binds))
            }
            None => (sql, binds),
        };
        let on_part = match (scope.sorted, scope.in_parts, on_part) {
            (true, Some(keys_per_part), Some(on_part)) => {
                return self
                    .parts_in_key_order(conn, &sql, binds, scope, keys_per_part, on_part, progress)
                    .await;
            }
            (_, _, on_part) => on_part,
        };
        if self.dialect != Dialect::Postgres {
            let mut kept = ReadRows::default();
            self.rows_into(conn, &sql, binds, rp, lp, progress, &mut kept)
                .await?;
            return Ok(Interesting {
                kept,
                surplus: 0,
                table: None,
                streamed: None,
            });
        }

        // 1. The keys, each once, with the row counts and first and last row ids of
        // the duplicated ones. With an index on the key in both tables and a
        // callback for parts, in key order, a part's worth at a time: each part's
        // rows are read through the indexes as soon as its keys are known, and
        // handed over, so that memory holds one part whatever the table's size.
        let (r_lookup, l_lookup) = scope.keys;
        let streamed = match (on_part, scope.in_parts) {
            (Some(on_part), Some(keys_per_part)) if r_lookup.indexed && l_lookup.indexed => {
                Some((on_part, keys_per_part))
            }
            _ => None,
        };
        let mut sql = sql;
        // The upper key range, when the grouping is split: its keys come after the
        // lower range's, which `sql` reads.
        let mut upper = split.map(|split| {
            let (sql, binds) = split.render(self.dialect, template, &fragments, lists, false);
            let (nulls, _) = sql::render(self.dialect, q::postgres::NULL_KEYS, &fragments, &[]);
            (sql, binds, nulls)
        });
        if streamed.is_some() {
            // Byte order, the order the scan sorts keys in: a key's entries (one per
            // class that names it) are then adjacent, and a part is a key range. When
            // the key columns compare in byte order already, the order of their
            // index, in which the grouping reads them: the keys then come as they
            // are grouped, where a sort would hold them all back until the last.
            let order: Vec<String> = (0..shape.results_key.len())
                .map(|i| match r_lookup.byte_ordered {
                    // The column itself, not its text: the order of its index.
                    true => format!("interesting.k{i}"),
                    false => format!(
                        "{} COLLATE \"C\"",
                        sql::as_text(self.dialect, &format!("k{i}"))
                    ),
                })
                .collect();
            sql = format!("{sql}\nORDER BY {}", order.join(", "));
            if let Some((upper, _, _)) = &mut upper {
                *upper = format!("{upper}\nORDER BY {}", order.join(", "));
            }
        }
        // In parts, the keys go on being read while the rows of the parts before are
        // read and handed over: a part goes down `parts` as soon as its last key is
        // known (two parts waiting at most), and the key query's grouping overlaps
        // the rest of the work.
        let (part_tx, mut part_rx) = tokio::sync::mpsc::channel::<HashMap<Key, Duplicated>>(2);
        let keys_per_part = streamed.as_ref().map(|(_, n)| *n);
        let part_tx = keys_per_part.map(|n| (part_tx, n));
        // The upper range's keys, read on a connection of their own while the lower
        // range's are, are held until those have all been taken.
        let (upper_tx, upper_rx) = tokio::sync::mpsc::unbounded_channel::<KeyRow>();
        let arity = shape.results_key.len();
        let upper_keys = async {
            let Some((sql, binds, nulls)) = upper else {
                return Ok(None);
            };
            let mut c = self.connect().await?;
            self.begin_read_only(&mut c, scope.snapshot).await?;
            let read = async {
                let nulls: i64 = sqlx::query_scalar(&nulls)
                    .fetch_one(&mut c)
                    .await
                    .map_err(|e| self.error(e))?;
                let mut rows = bound(&sql, binds).fetch(&mut c);
                while let Some(row) = rows.try_next().await.map_err(|e| self.error(e))? {
                    if upper_tx.send(self.key_row(&row, arity)?).is_err() {
                        // The reader of the keys stopped, with its error.
                        break;
                    }
                }
                Ok::<_, Error>(nulls.max(0) as u64)
            }
            .await;
            drop(upper_tx);
            let _ = sqlx::query("ROLLBACK").execute(&mut c).await;
            let _ = c.close().await;
            read.map(Some)
        };
        let key_conn = &mut *conn;
        let keys = async move {
            let mut keys = FoundKeys::default();
            let mut surplus = 0;
            let mut last: Option<Key> = None;
            let lower = bound(&sql, binds)
                .fetch(key_conn)
                .map_err(|e| self.error(e))
                .and_then(|row| std::future::ready(self.key_row(&row, arity)));
            let upper = futures_util::stream::unfold(upper_rx, |mut rx| async move {
                rx.recv().await.map(|row| (Ok(row), rx))
            });
            let mut rows = Box::pin(lower.chain(upper));
            while let Some(row) = rows.try_next().await? {
                if let (Some((parts, keys_per_part)), KeyRow::Key { key, .. }) = (&part_tx, &row) {
                    if let Some(last) = last.as_ref().filter(|last| *last > key) {
                        // Parts are key ranges in byte order: a key out of that order
                        // would put findings in the wrong part.
                        return Err(Error::Runtime(format!(
                            "the results table's keys came out of byte order ({key:?} after \
                             {last:?}): the collation of its key columns does not order them \
                             by byte"
                        )));
                    }
                    let new = last.as_ref() != Some(key);
                    if new && keys.found.len() >= *keys_per_part {
                        let part = std::mem::take(&mut keys.found);
                        surplus += surplus_of(&part);
                        if parts.send(part).await.is_err() {
                            // The reader of the parts stopped, with its error.
                            break;
                        }
                    }
                    if new {
                        last = Some(key.clone());
                    }
                }
                keys.add(row);
            }
            let FoundKeys { mut found, table } = keys;
            surplus += surplus_of(&found);
            if let Some((parts, _)) = part_tx {
                if !found.is_empty() {
                    // A send fails only when the reader of the parts stopped.
                    let _ = parts.send(std::mem::take(&mut found)).await;
                }
            }
            Ok::<_, Error>((found, table, surplus))
        };
        let parts = async {
            let Some((on_part, _)) = streamed else {
                return Ok(None);
            };
            let mut readers = None;
            let mut origin = 0;
            while let Some(part) = part_rx.recv().await {
                let (results, log) = match &mut readers {
                    Some(r) => r,
                    none => none.insert(self.readers(scope.snapshot).await?),
                };
                let kept = self
                    .rows_of_found(results, Some(log), part, scope, progress)
                    .await?;
                self.hand_over(kept, scope, &mut origin, &mut *on_part)?;
            }
            if let Some((results, log)) = readers {
                for mut c in [results, log] {
                    let _ = sqlx::query("ROLLBACK").execute(&mut c).await;
                    let _ = c.close().await;
                }
            }
            Ok::<_, Error>(Some(origin))
        };
        let ((found, mut table, surplus), streamed, nulls) =
            futures_util::try_join!(keys, parts, upper_keys)?;
        if let (Some(t), Some(nulls)) = (&mut table, nulls) {
            t[0] += nulls;
            t[1] += nulls;
        }
        let kept = match streamed {
            // Every part went to `on_part`.
            Some(_) => ReadRows::default(),
            None if found.is_empty() => ReadRows::default(),
            None => {
                progress.phase(&format!("reading the rows of {} keys", found.len()));
                self.rows_of_found(conn, None, found, scope, progress)
                    .await?
            }
        };
        Ok(Interesting {
            kept,
            surplus,
            table,
            streamed,
        })
    }

    /// [`interesting`](Self::interesting) on PostgreSQL with the keys queries of
    /// several classes (`statements`): each runs on a connection of its own, all at
    /// once in the scan's snapshot (a query runs on one core, and each is a pass of
    /// its own over the tables), and their keys are merged here. The rows of those
    /// keys are then read as `interesting` reads them: sorted by the database, the
    /// keys bound as arrays into `around` (in parts, without an index on the key in
    /// both tables); through the indexes a part at a time, in key order (in parts,
    /// with them); or all at once.
    #[allow(clippy::too_many_arguments)]
    async fn interesting_at_once(
        &self,
        conn: &mut AnyConnection,
        statements: &[String],
        around: &str,
        scope: &Scope<'_>,
        lists: &[(&str, &[String])],
        progress: &Progress,
        on_part: Option<&mut OnPart<'_>>,
    ) -> Result<Interesting, Error> {
        let shape = scope.shape;
        let (r_part, l_part) = shape.partition(1, 0);
        let mut fragments = shape.fragments();
        fragments.push(("r_part", &r_part));
        fragments.push(("l_part", &l_part));
        let arity = shape.results_key.len();
        let render = |statement: &str| sql::render(self.dialect, statement, &fragments, lists);
        let (first, rest) = statements.split_first().expect("two statements or more");
        let others = rest.iter().map(|statement| async {
            let mut c = self.connect().await?;
            self.begin_read_only(&mut c, scope.snapshot).await?;
            sqlx::query(q::postgres::WHOLE_TABLES)
                .execute(&mut c)
                .await
                .map_err(|e| self.error(e))?;
            let rows = self.key_rows(&mut c, render(statement), arity).await;
            let _ = sqlx::query("ROLLBACK").execute(&mut c).await;
            let _ = c.close().await;
            rows
        });
        let (mine, others) = futures_util::try_join!(
            self.key_rows(conn, render(first), arity),
            futures_util::future::try_join_all(others)
        )?;
        let mut found = FoundKeys::default();
        for row in mine.into_iter().chain(others.into_iter().flatten()) {
            found.add(row);
        }
        let FoundKeys { found, table } = found;
        let surplus = surplus_of(&found);
        let (r_lookup, l_lookup) = scope.keys;
        progress.phase(&format!("reading the rows of {} keys", found.len()));
        match (scope.sorted, scope.in_parts, on_part) {
            (true, Some(keys_per_part), Some(on_part)) => {
                // The keys with the row counts and row ids the grouping found, in the
                // order the arrays bind them: n is 0, and the row ids empty, where the
                // grouping did not count the key.
                let tuples: Vec<Key> = found
                    .into_iter()
                    .map(|(mut key, d)| {
                        key.push(d.n.unwrap_or(0).to_string());
                        key.push(d.first.unwrap_or_default());
                        key.push(d.last.unwrap_or_default());
                        key
                    })
                    .collect();
                let mut types = r_lookup.types.clone();
                types.extend(["bigint", "text", "text"].map(String::from));
                let (template, arrays) = sql::with_arrays(around, "i_keys", &tuples, &types);
                drop(tuples);
                let mut lists = lists.to_vec();
                lists.extend(sql::named(&arrays));
                let (sql, binds) = sql::render(self.dialect, &template, &fragments, &lists);
                drop(arrays);
                let read = self
                    .parts_in_key_order(conn, &sql, binds, scope, keys_per_part, on_part, progress)
                    .await?;
                Ok(Interesting { table, ..read })
            }
            (_, Some(keys_per_part), Some(on_part)) if r_lookup.indexed && l_lookup.indexed => {
                let mut keys: Vec<(Key, Duplicated)> = found.into_iter().collect();
                keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                let (mut results, mut log) = self.readers(scope.snapshot).await?;
                let mut origin = 0;
                let mut keys = keys.into_iter().peekable();
                let mut read = Ok(());
                while keys.peek().is_some() {
                    let part: HashMap<Key, Duplicated> =
                        keys.by_ref().take(keys_per_part).collect();
                    read = match self
                        .rows_of_found(&mut results, Some(&mut log), part, scope, progress)
                        .await
                    {
                        Ok(kept) => self.hand_over(kept, scope, &mut origin, &mut *on_part),
                        Err(e) => Err(e),
                    };
                    if read.is_err() {
                        break;
                    }
                }
                for mut c in [results, log] {
                    let _ = sqlx::query("ROLLBACK").execute(&mut c).await;
                    let _ = c.close().await;
                }
                read?;
                Ok(Interesting {
                    kept: ReadRows::default(),
                    surplus,
                    table,
                    streamed: Some(origin),
                })
            }
            _ => {
                let kept = match found.is_empty() {
                    true => ReadRows::default(),
                    false => {
                        self.rows_of_found(conn, None, found, scope, progress)
                            .await?
                    }
                };
                Ok(Interesting {
                    kept,
                    surplus,
                    table,
                    streamed: None,
                })
            }
        }
    }

    /// The rows of a keys query.
    async fn key_rows(
        &self,
        conn: &mut AnyConnection,
        (sql, binds): (String, Vec<String>),
        arity: usize,
    ) -> Result<Vec<KeyRow>, Error> {
        let mut rows = bound(&sql, binds).fetch(conn);
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await.map_err(|e| self.error(e))? {
            out.push(self.key_row(&row, arity)?);
        }
        Ok(out)
    }

    /// Whether the server is MariaDB.
    async fn mariadb(&self, conn: &mut AnyConnection) -> Result<bool, Error> {
        let server = backend::server(self.dialect.backend(), conn)
            .await
            .map_err(|e| self.error(e))?;
        Ok(server.to_ascii_lowercase().contains("mariadb"))
    }

    /// The keys queries of `listed` (rendered with `fragments` and `lists`), the first
    /// on `conn` and each other on a connection of its own, at the same time; then the
    /// query of their rows, `listed.around` with the keys listed as literals,
    /// rendered. None, to read keys and rows in one query, when the list would pass
    /// half the server's largest statement (MariaDB's `max_allowed_packet`) or
    /// [`LISTED_BYTES`] (SQLite), or when a connection of its own could not read
    /// (SQLite refuses a new reader while a writer waits for the scan's lock).
    async fn listed(
        &self,
        conn: &mut AnyConnection,
        listed: &Listed,
        fragments: &[(&str, &str)],
        lists: &[(&str, &[String])],
    ) -> Result<Option<(String, Vec<String>)>, Error> {
        let room = match self.dialect {
            Dialect::Mysql => {
                let largest: i64 = sqlx::query_scalar(q::mysql::MAX_STATEMENT)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(|e| self.error(e))?;
                (largest / 2).max(0) as usize
            }
            _ => LISTED_BYTES,
        };
        let arity = fragments
            .iter()
            .find(|(name, _)| *name == "k_list")
            .map_or(1, |(_, list)| list.split(", ").count());
        let rendered: Vec<(String, Vec<String>)> = listed
            .keys
            .iter()
            .map(|keys| sql::render(self.dialect, keys, fragments, lists))
            .collect();
        let Some(((sql, binds), apart)) = rendered.split_first() else {
            return Ok(None);
        };
        let here = self.literals(conn, sql, binds.clone(), arity, room);
        let apart = apart.iter().map(|(sql, binds)| async move {
            let mut c = self.connect().await?;
            self.begin_read_only(&mut c, None).await?;
            let read = self.literals(&mut c, sql, binds.clone(), arity, room).await;
            let _ = sqlx::query("ROLLBACK").execute(&mut c).await;
            let _ = c.close().await;
            read
        });
        let apart = async {
            match futures_util::future::try_join_all(apart).await {
                Ok(read) => Ok(read.into_iter().collect::<Option<Vec<_>>>()),
                Err(e) => {
                    tracing::info!(
                        "reading the keys on connections of their own failed ({e}): read \
                         with their rows"
                    );
                    Ok(None)
                }
            }
        };
        let (here, apart) = futures_util::try_join!(here, apart)?;
        let (Some(here), Some(apart)) = (here, apart) else {
            return Ok(None);
        };
        let mut seen = HashSet::new();
        let mut list = String::new();
        for literal in here.into_iter().chain(apart.into_iter().flatten()) {
            if seen.contains(&literal) {
                continue;
            }
            if !list.is_empty() {
                list.push_str(", ");
            }
            list.push_str(&literal);
            seen.insert(literal);
        }
        if list.len() > room {
            too_many_to_list(room);
            return Ok(None);
        }
        if list.is_empty() {
            // No key: a list that matches none.
            list = match arity {
                1 => "NULL".to_string(),
                _ => format!("({})", vec!["NULL"; arity].join(", ")),
            };
        }
        let around = sql::compose(&listed.around, &[("i_list", &list)]);
        Ok(Some(sql::render(self.dialect, &around, fragments, lists)))
    }

    /// The keys a keys query of [`listed`](Self::listed) reads, each an SQL literal (a
    /// row of literals for a key of several columns); None past `room` bytes. SQLite
    /// sorts a keys query's groupings in files (sqlite/temp_files.sql).
    async fn literals(
        &self,
        conn: &mut AnyConnection,
        sql: &str,
        binds: Vec<String>,
        arity: usize,
        room: usize,
    ) -> Result<Option<Vec<String>>, Error> {
        let in_files = self.dialect == Dialect::Sqlite;
        if in_files {
            self.run(conn, q::sqlite::TEMP_FILES).await?;
        }
        let read = async {
            let mut literals = Vec::new();
            let mut bytes = 0;
            let mut rows = bound(sql, binds).fetch(&mut *conn);
            while let Some(row) = rows.try_next().await.map_err(|e| self.error(e))? {
                let mut cells: Vec<String> = self
                    .cells(&row, 0, arity)?
                    .into_iter()
                    .map(Option::unwrap_or_default)
                    .collect();
                let literal = match cells.len() {
                    1 => cells.remove(0),
                    _ => format!("({})", cells.join(", ")),
                };
                bytes += literal.len() + 2;
                if bytes > room {
                    too_many_to_list(room);
                    return Ok(None);
                }
                literals.push(literal);
            }
            Ok(Some(literals))
        }
        .await;
        if in_files {
            self.run(conn, q::sqlite::SESSION).await?;
        }
        read
    }

    /// The rows of interesting_sorted.sql, cut into parts of whole keys, about
    /// `keys_per_part` keys each, handed to `on_part` as they arrive. Also counts
    /// the surplus rows of the duplicated keys: all but one of a key's result rows.
    #[allow(clippy::too_many_arguments)]
    async fn parts_in_key_order(
        &self,
        conn: &mut AnyConnection,
        sql: &str,
        binds: Vec<String>,
        scope: &Scope<'_>,
        keys_per_part: usize,
        on_part: &mut OnPart<'_>,
        progress: &Progress,
    ) -> Result<Interesting, Error> {
        let Scope { rp, lp, .. } = *scope;
        let mut part = ReadRows::default();
        let mut keys = 0;
        let mut origin = 0;
        let mut surplus = 0;
        // The key of the rows before and how many result rows it had.
        let mut last: Option<(Key, u64)> = None;
        let mut rows = bound(sql, binds).fetch(&mut *conn);
        while let Some(row) = rows.try_next().await.map_err(|e| self.error(e))? {
            progress.rows(1);
            let (result, entry) = match self.text(&row, 0)?.as_deref() {
                Some("r") => (Some(rp.row(self.cells(&row, 1, rp.columns.len())?)?), None),
                _ => (
                    None,
                    Some(lp.entry(self.cells(&row, 1, lp.columns.len())?)?),
                ),
            };
            let key = match (&result, &entry) {
                (Some(r), _) => r.key.as_ref(),
                (_, Some(e)) => e.key.as_ref(),
                _ => None,
            };
            let key = key.ok_or_else(|| {
                Error::Runtime("the rows of the interesting keys included a NULL key".into())
            })?;
            match &mut last {
                Some((k, n)) if k == key => *n += result.is_some() as u64,
                _ => {
                    if let Some((k, n)) = last.take() {
                        if k > *key {
                            return Err(Error::Runtime(format!(
                                "the rows of the interesting keys came out of byte order \
                                 ({key:?} after {k:?})"
                            )));
                        }
                        surplus += n.saturating_sub(1);
                    }
                    if keys >= keys_per_part {
                        let full = std::mem::take(&mut part);
                        self.hand_over(full, scope, &mut origin, &mut *on_part)?;
                        keys = 0;
                    }
                    keys += 1;
                    last = Some((key.clone(), result.is_some() as u64));
                }
            }
            match (result, entry) {
                (Some(r), _) => part.results.push(r),
                (_, Some(e)) => part.log.push(e),
                _ => {}
            }
        }
        if let Some((_, n)) = last {
            surplus += n.saturating_sub(1);
        }
        if keys > 0 {
            self.hand_over(part, scope, &mut origin, on_part)?;
        }
        Ok(Interesting {
            kept: ReadRows::default(),
            surplus,
            table: None,
            streamed: Some(origin),
        })
    }

    /// Two more connections to the scan's snapshot, for result rows and log rows:
    /// PostgreSQL's own driver, which hands the rows of the parts over without the
    /// Any driver's copy of each (about a tenth of dupaudit's time in a scan).
    async fn readers(&self, snapshot: Option<&str>) -> Result<(PgConnection, PgConnection), Error> {
        Ok((self.reader(snapshot).await?, self.reader(snapshot).await?))
    }

    /// A connection of PostgreSQL's own driver to the scan's snapshot.
    async fn reader(&self, snapshot: Option<&str>) -> Result<PgConnection, Error> {
        let millis = self
            .opts
            .statement_timeout
            .map_or(0, |d| d.as_millis() as u64);
        let mut c = self.connect_as().await?;
        self.begin_postgres(&mut c, millis, snapshot).await?;
        Ok(c)
    }

    /// Hands the rows of one part, read into memory, to `on_part`, numbering its
    /// result rows after those of the parts before (`origin`).
    fn hand_over(
        &self,
        kept: ReadRows,
        scope: &Scope<'_>,
        origin: &mut usize,
        on_part: &mut OnPart<'_>,
    ) -> Result<(), Error> {
        let ReadRows { results, log } = kept;
        let numbers = (*origin..*origin + results.len()).collect();
        *origin += results.len();
        on_part(
            Dataset {
                results,
                log,
                counts: None,
                ..scope.columns.clone_shape()
            },
            numbers,
        )
    }

    /// Every result row and log row of the keys `found`: the result rows on `conn`
    /// and, at the same time, the log rows on `log_conn` (or on a connection of
    /// their own).
    async fn rows_of_found<C: TextRows>(
        &self,
        conn: &mut C,
        log_conn: Option<&mut C>,
        found: HashMap<Key, Duplicated>,
        scope: &Scope<'_>,
        progress: &Progress,
    ) -> Result<ReadRows, Error> {
        let Scope { shape, rp, lp, .. } = *scope;
        // 2. Their rows: by id where the two ids are all the key's rows, else by key,
        // the keys bound as arrays of each table's key column types.
        // One array literal of row ids, each quoted: a row id `(page,item)` holds a
        // comma.
        let mut row_ids = String::from("{");
        let mut by_key: Vec<&Key> = Vec::new();
        for (key, d) in &found {
            match (d.n, &d.first, &d.last) {
                (Some(2), Some(first), Some(last)) if first != last => {
                    if row_ids.len() > 1 {
                        row_ids.push(',');
                    }
                    for (i, id) in [first, last].into_iter().enumerate() {
                        row_ids.push_str(if i == 0 { "\"" } else { ",\"" });
                        row_ids.push_str(id);
                        row_ids.push('"');
                    }
                }
                _ => by_key.push(key),
            }
        }
        row_ids.push('}');
        let row_ids = [row_ids];
        let (r_lookup, l_lookup) = scope.keys;
        let (r_in, r_keys) = sql::in_list(
            "{r_key}",
            "r_keys",
            &by_key,
            &r_lookup.types,
            r_lookup.indexed,
        );
        let r_template = sql::compose(q::postgres::RESULT_ROWS_FOR_KEYS, &[("r_key_in", &r_in)]);
        let all: Vec<&Key> = found.keys().collect();
        let (l_in, l_keys) =
            sql::in_list("{l_key}", "l_keys", &all, &l_lookup.types, l_lookup.indexed);
        let l_template = sql::compose(q::postgres::LOG_ROWS_FOR_KEYS, &[("l_key_in", &l_in)]);
        let fragments = shape.fragments();
        // The keys are in the lists bound above: from here on memory holds those
        // lists, not the keys themselves.
        let any_by_key = !by_key.is_empty();
        drop((by_key, all));
        drop(found);
        let results = async {
            let mut kept = ReadRows::default();
            if row_ids[0].len() > 2 {
                let (sql, binds) = sql::render(
                    self.dialect,
                    q::postgres::ROWS_BY_ID,
                    &fragments,
                    &[("row_ids", &row_ids)],
                );
                self.rows_into(conn, &sql, binds, rp, lp, progress, &mut kept)
                    .await?;
            }
            if any_by_key {
                let (sql, binds) =
                    sql::render(self.dialect, &r_template, &fragments, &sql::named(&r_keys));
                self.rows_into(conn, &sql, binds, rp, lp, progress, &mut kept)
                    .await?;
            }
            Ok::<_, Error>(kept)
        };
        let log = async {
            let (sql, binds) =
                sql::render(self.dialect, &l_template, &fragments, &sql::named(&l_keys));
            let mut kept = ReadRows::default();
            if let Some(c) = log_conn {
                return self
                    .rows_into(c, &sql, binds, rp, lp, progress, &mut kept)
                    .await
                    .map(|()| kept);
            }
            let mut c = self.connect().await?;
            self.begin_read_only(&mut c, scope.snapshot).await?;
            let read = self
                .rows_into(&mut c, &sql, binds, rp, lp, progress, &mut kept)
                .await;
            let _ = sqlx::query("ROLLBACK").execute(&mut c).await;
            let _ = c.close().await;
            read.map(|()| kept)
        };
        let (results, log) = futures_util::try_join!(results, log)?;
        Ok(ReadRows {
            log: log.log,
            ..results
        })
    }

    /// Result rows and log rows of a query whose first column says which (`r` / `l`),
    /// into `kept`.
    #[allow(clippy::too_many_arguments)]
    async fn rows_into<C: TextRows>(
        &self,
        conn: &mut C,
        sql: &str,
        binds: Vec<String>,
        rp: &ResultProjection,
        lp: &LogProjection,
        progress: &Progress,
        kept: &mut ReadRows,
    ) -> Result<(), Error> {
        let mut rows = conn.text_rows(self, sql, binds);
        while let Some(mut cells) = rows.try_next().await? {
            progress.rows(1);
            let side = cells.remove(0);
            if side.as_deref() == Some("r") {
                kept.results.push(rp.row(cells)?)
            } else {
                kept.log.push(lp.entry(cells)?)
            }
        }
        Ok(())
    }

    /// Pass 1 hashes every keyed payload and keeps one (payload, key) pair of hashes
    /// per row, 16 bytes, in a list sized by the row count (`rows`); sorted, the
    /// pairs of one payload are adjacent, and a payload is shared when they name two
    /// keys. Pass 2 returns the rows of shared payloads. The payload hash is cut to 64
    /// bits here: a collision can only add a row to pass 2, which the scan then
    /// groups by the full hash, so nothing is missed and nothing false is reported.
    /// Also counts non-JSON payloads, since every payload is parsed anyway.
    #[allow(clippy::too_many_arguments)]
    async fn cross_key_rows(
        &self,
        conn: &mut AnyConnection,
        spec: &AuditSpec,
        times: &[(&str, &[String])],
        shape: &Shape,
        rp: &ResultProjection,
        canon: &Canonicalizer,
        rows: u64,
        non_json_rows: &mut Vec<Vec<String>>,
        progress: &Progress,
    ) -> Result<(Vec<ResultRow>, u64), Error> {
        if self.dialect == Dialect::Sqlite && shape.plain {
            return self
                .cross_key_rows_in_sqlite(
                    spec,
                    conn,
                    times,
                    shape,
                    rp,
                    canon,
                    non_json_rows,
                    progress,
                )
                .await;
        }
        if shape.plain {
            return self
                .cross_key_rows_by_id(
                    conn,
                    spec,
                    times,
                    shape,
                    rp,
                    canon,
                    rows,
                    false,
                    non_json_rows,
                    progress,
                )
                .await
                .map(|(copies, non_json, _)| (copies, non_json));
        }
        progress.phase("cross-key pass 1 of 2: hashing every payload");
        let template = windowed(self.dialect, q::KEYED_ROWS, spec, shape.typed());
        let (sql, binds) = sql::render(self.dialect, &template, &shape.fragments(), times);
        // Pass 1 reads what it hashes; pass 2 the whole rows.
        let hashed_only = shape
            .fragments()
            .into_iter()
            .map(|(name, f)| match name {
                "r_columns" => (name, shape.fragment("r_hashed_columns")),
                _ => (name, f),
            })
            .collect::<Vec<_>>();
        let (hashed_sql, hashed_binds) = sql::render(self.dialect, &template, &hashed_only, times);
        let mut hashing = HashedRows::new(canon, rows);
        {
            let mut rows = bound(&hashed_sql, hashed_binds).fetch(&mut *conn);
            while let Some(row) = rows.try_next().await.map_err(|e| self.error(e))? {
                progress.rows(1);
                let r = rp.row(self.cells(&row, 0, rp.columns.len())?)?;
                hashing.push(r, 0).await?;
            }
        }
        // The rows of non-JSON payloads are listed in pass 2, which reads them again.
        let hashed = hashing.finish(&mut Vec::new()).await?;
        let non_json = hashed.non_json;
        let pairs = hashed.rows.into_iter().map(|(p, k, _)| (p, k)).collect();
        let shared = shared_payloads(pairs);
        let mut out = Vec::new();
        if shared.is_empty() && non_json == 0 {
            return Ok((out, 0));
        }
        progress.phase("cross-key pass 2 of 2: reading the shared payloads");
        let mut rows = bound(&sql, binds).fetch(&mut *conn);
        while let Some(row) = rows.try_next().await.map_err(|e| self.error(e))? {
            progress.rows(1);
            let r = rp.row(self.cells(&row, 0, rp.columns.len())?)?;
            let c = canon.quick_hash(&r.payload);
            if c.non_json && non_json_rows.len() < NON_JSON_LISTED {
                non_json_rows.push(r.pk.clone());
            }
            if shared.contains(&c.hash) {
                out.push(r);
            }
        }
        Ok((out, non_json))
    }

    /// [`Self::cross_key_rows_in_sqlite`] on a connection of its own, beside the
    /// scan's other queries. None when that connection cannot read (SQLite refuses a
    /// new reader while a writer waits for the scan's lock): the scan's own
    /// connection then runs it after the others.
    async fn cross_key_in_sqlite_beside(
        &self,
        spec: &AuditSpec,
        times: &[(&str, &[String])],
        shape: &Shape,
        rp: &ResultProjection,
        canon: &Canonicalizer,
        progress: &Progress,
    ) -> Option<(Vec<ResultRow>, u64, Vec<Vec<String>>)> {
        let beside = async {
            let mut c = self.connect().await?;
            self.begin_read_only(&mut c, None).await?;
            let mut non_json_rows = Vec::new();
            let found = self
                .cross_key_rows_in_sqlite(
                    spec,
                    &mut c,
                    times,
                    shape,
                    rp,
                    canon,
                    &mut non_json_rows,
                    progress,
                )
                .await;
            let _ = sqlx::query("ROLLBACK").execute(&mut c).await;
            let _ = c.close().await;
            found.map(|(copies, non_json)| (copies, non_json, non_json_rows))
        };
        match beside.await {
            Ok(found) => Some(found),
            Err(e) => {
                tracing::info!(
                    "cross-key on a connection of its own failed ({e}): read after the \
                     other queries"
                );
                None
            }
        }
    }

    /// [`Self::cross_key_rows`] on a SQLite table with row ids, whose payloads are
    /// hashed and grouped by SQLite itself (`sqlite/cross_key_rows.sql`,
    /// [`backend::sqlite_hash`]), in one pass: only the rows of the payloads several
    /// keys share and of the payloads that are not JSON come out, and are hashed
    /// and grouped again here, as every engine's are.
    #[allow(clippy::too_many_arguments)]
    async fn cross_key_rows_in_sqlite(
        &self,
        spec: &AuditSpec,
        conn: &mut AnyConnection,
        times: &[(&str, &[String])],
        shape: &Shape,
        rp: &ResultProjection,
        canon: &Canonicalizer,
        non_json_rows: &mut Vec<Vec<String>>,
        progress: &Progress,
    ) -> Result<(Vec<ResultRow>, u64), Error> {
        progress.phase("cross-key: hashing every payload in SQLite");
        let d = self.dialect;
        let first_payload = rp.columns.len() - canon.json_columns().len();
        let payload_text = rp.columns[first_payload..]
            .iter()
            .map(|c| column_text(d, "r", c, &shape.typed().results_columns))
            .collect::<Vec<_>>()
            .join(", ");
        let settings = backend::sqlite_hash::Settings {
            json: canon.json_columns().to_vec(),
            ignore: canon.ignored_fields(),
        }
        .argument();
        let template = windowed(d, q::sqlite::CROSS_KEY_ROWS, spec, shape.typed());
        let keys_differ = (0..spec.results.key.len())
            .map(|i| format!("min(k{i}) <> max(k{i})"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let mut fragments = shape.fragments();
        fragments.push(("payload_text", &payload_text));
        fragments.push(("keys_differ", &keys_differ));
        let canon_bind = [settings];
        let mut lists = times.to_vec();
        lists.push(("canon", &canon_bind));
        let (sql, binds) = sql::render(d, &template, &fragments, &lists);
        self.run(conn, q::sqlite::TEMP_FILES).await?;
        let mut named: Vec<(ResultRow, u64, bool)> = Vec::new();
        {
            let mut rows = bound(&sql, binds).fetch(&mut *conn);
            while let Some(row) = rows.try_next().await.map_err(|e| self.error(e))? {
                progress.rows(1);
                let r = rp.row(self.cells(&row, 0, rp.columns.len())?)?;
                let c = canon.quick_hash(&r.payload);
                named.push((r, c.hash, c.non_json));
            }
        }
        self.run(conn, q::sqlite::SESSION).await?;
        let non_json = named.iter().filter(|(_, _, n)| *n).count() as u64;
        non_json_rows.extend(
            named
                .iter()
                .filter(|(_, _, n)| *n)
                .take(NON_JSON_LISTED.saturating_sub(non_json_rows.len()))
                .map(|(r, _, _)| r.pk.clone()),
        );
        let pairs = named
            .iter()
            .map(|(r, h, _)| {
                let key = r.key.as_ref().expect("keyed rows have keys");
                (*h, hash_key(key))
            })
            .collect();
        let shared = shared_payloads(pairs);
        let out = named
            .into_iter()
            .filter(|(_, h, _)| shared.contains(h))
            .map(|(r, _, _)| r)
            .collect();
        Ok((out, non_json))
    }

    /// [`Self::cross_key_rows`] on a PostgreSQL plain table, in one pass: each row's
    /// id is kept beside its payload and key hashes (24 bytes a row), and the rows of
    /// the payloads several keys share are then read by id. With `count_keys`, also
    /// counts the keys of the rows it read (the third of the answer): each key hash
    /// seen once is one
    /// key; the rows of a key hash seen more than once (mostly the rows of duplicated
    /// keys) are read by id, and their keys counted, so that two keys that share a
    /// hash count as two.
    #[allow(clippy::too_many_arguments)]
    async fn cross_key_rows_by_id<C: TextRows>(
        &self,
        conn: &mut C,
        spec: &AuditSpec,
        times: &[(&str, &[String])],
        shape: &Shape,
        rp: &ResultProjection,
        canon: &Canonicalizer,
        rows: u64,
        count_keys: bool,
        non_json_rows: &mut Vec<Vec<String>>,
        progress: &Progress,
    ) -> Result<(Vec<ResultRow>, u64, Option<u64>), Error> {
        progress.phase("cross-key: hashing every payload");
        let template = windowed(
            self.dialect,
            q::postgres::KEYED_ROWS_BY_ID,
            spec,
            shape.typed(),
        );
        let (sql, binds) = sql::render(self.dialect, &template, &shape.fragments(), times);
        let mut hashing = HashedRows::new(canon, rows);
        {
            let mut rows = conn.text_rows(self, &sql, binds);
            while let Some(mut cells) = rows.try_next().await? {
                progress.rows(1);
                let id = cells.pop().flatten().unwrap_or_default();
                let r = rp.row(cells)?;
                let id = pack_row_id(&id).ok_or_else(|| {
                    Error::Runtime(format!(
                        "PostgreSQL returned a row id dupaudit cannot read: {id}"
                    ))
                })?;
                hashing.push(r, id).await?;
            }
        }
        let hashed = hashing.finish(non_json_rows).await?;
        let non_json = hashed.non_json;
        let lp = LogProjection::new(spec);
        let keys = match count_keys {
            true => {
                let (alone, shared) = keys_of_hashes(&hashed.rows);
                let mut rows = ReadRows::default();
                self.rows_by_id(conn, &shared, shape, rp, &lp, progress, &mut rows)
                    .await?;
                let distinct: HashSet<&Key> =
                    rows.results.iter().filter_map(|r| r.key.as_ref()).collect();
                Some(alone + distinct.len() as u64)
            }
            false => None,
        };
        let ids = shared_rows(hashed.rows);
        let mut kept = ReadRows::default();
        if ids.is_empty() {
            return Ok((kept.results, non_json, keys));
        }
        progress.phase(&format!(
            "cross-key: reading the {} rows of shared payloads",
            ids.len()
        ));
        self.rows_by_id(conn, &ids, shape, rp, &lp, progress, &mut kept)
            .await?;
        Ok((kept.results, non_json, keys))
    }

    /// The result rows of PostgreSQL row ids (packed by [`pack_row_id`]), into `kept`.
    #[allow(clippy::too_many_arguments)]
    async fn rows_by_id<C: TextRows>(
        &self,
        conn: &mut C,
        ids: &[u64],
        shape: &Shape,
        rp: &ResultProjection,
        lp: &LogProjection,
        progress: &Progress,
        kept: &mut ReadRows,
    ) -> Result<(), Error> {
        let fragments = shape.fragments();
        for chunk in ids.chunks(ROW_IDS_PER_QUERY) {
            let mut literal = String::from("{");
            for (i, &id) in chunk.iter().enumerate() {
                if i > 0 {
                    literal.push(',');
                }
                literal.push_str(&format!("\"({},{})\"", id >> 16, id & 0xffff));
            }
            literal.push('}');
            let (sql, binds) = sql::render(
                self.dialect,
                q::postgres::ROWS_BY_ID,
                &fragments,
                &[("row_ids", &[literal])],
            );
            self.rows_into(conn, &sql, binds, rp, lp, progress, kept)
                .await?;
        }
        Ok(())
    }

    async fn log_for_keys(
        &self,
        conn: &mut AnyConnection,
        shape: &Shape,
        lp: &LogProjection,
        keys: &[Key],
    ) -> Result<Vec<LogEntry>, Error> {
        let (_, l_key) = shape.typed().compared_keys();
        let (sql, binds) = sql::render_rows(
            self.dialect,
            q::LOG_FOR_KEYS,
            &shape.fragments(),
            &[],
            &[("key_list", keys)],
            &[("key_list", l_key)],
        );
        let rows = bound(&sql, binds)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|row| lp.entry(self.cells(row, 0, lp.columns.len())?))
            .collect()
    }

    /// The four counts of `totals.sql` / `totals_window.sql`.
    fn totals_of(&self, row: &AnyRow) -> Result<[u64; 4], Error> {
        let count = |i: usize| -> Result<u64, Error> {
            row.try_get::<i64, _>(i)
                .map(|n| n as u64)
                .map_err(|e| self.error(e))
        };
        Ok([count(0)?, count(1)?, count(2)?, count(3)?])
    }

    pub(crate) fn cells(
        &self,
        row: &AnyRow,
        skip: usize,
        n: usize,
    ) -> Result<Vec<Option<String>>, Error> {
        (skip..skip + n).map(|i| self.text(row, i)).collect()
    }

    /// One cell as text. MySQL reports long text (a `CAST(.. AS CHAR)` of a JSON or
    /// TEXT column) as a blob type through the Any driver, so bytes are accepted too
    /// and must be UTF-8.
    pub(crate) fn text(&self, row: &AnyRow, i: usize) -> Result<Option<String>, Error> {
        match row.try_get::<Option<String>, _>(i) {
            Ok(v) => Ok(v),
            Err(sqlx::Error::ColumnDecode { .. }) => {
                let bytes: Option<Vec<u8>> = row.try_get(i).map_err(|e| self.error(e))?;
                bytes
                    .map(|b| {
                        String::from_utf8(b).map_err(|e| Error::Query {
                            location: self.location(),
                            message: format!("column {i} of a result is not UTF-8 text: {e}"),
                        })
                    })
                    .transpose()
            }
            Err(e) => Err(self.error(e)),
        }
    }
}

/// A connection whose rows are read as text, every column cast to text by its query.
trait TextRows: Send {
    /// The rows of `sql` with `binds`, each cell as text.
    fn text_rows<'a>(
        &'a mut self,
        source: &'a DatabaseSource,
        sql: &'a str,
        binds: Vec<String>,
    ) -> BoxStream<'a, Result<Vec<Option<String>>, Error>>;
}

impl TextRows for AnyConnection {
    fn text_rows<'a>(
        &'a mut self,
        source: &'a DatabaseSource,
        sql: &'a str,
        binds: Vec<String>,
    ) -> BoxStream<'a, Result<Vec<Option<String>>, Error>> {
        bound(sql, binds)
            .fetch(self)
            .map(move |row| {
                let row = row.map_err(|e| source.error(e))?;
                source.cells(&row, 0, row.len())
            })
            .boxed()
    }
}

impl TextRows for PgConnection {
    fn text_rows<'a>(
        &'a mut self,
        source: &'a DatabaseSource,
        sql: &'a str,
        binds: Vec<String>,
    ) -> BoxStream<'a, Result<Vec<Option<String>>, Error>> {
        let mut query = sqlx::query::<sqlx::Postgres>(sql);
        for b in binds {
            query = query.bind(b);
        }
        query
            .fetch(self)
            .map(move |row| {
                let row = row.map_err(|e| source.error(e))?;
                // Every column is text (the query casts it): each cell is decoded
                // as such, without asking its type each time.
                (0..row.len())
                    .map(|i| {
                        let value = row.try_get_raw(i)?;
                        if sqlx::ValueRef::is_null(&value) {
                            return Ok(None);
                        }
                        <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)
                            .map(|text| Some(text.to_string()))
                            .map_err(sqlx::Error::Decode)
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(|e| source.error(e))
            })
            .boxed()
    }
}

/// What a scan of one slice reads with: the queries' shape, the projections, and the
/// snapshot the other connections of the scan share (PostgreSQL).
#[derive(Clone, Copy)]
struct Scope<'a> {
    shape: &'a Shape,
    rp: &'a ResultProjection,
    lp: &'a LogProjection,
    snapshot: Option<&'a str>,
    /// PostgreSQL: how to look keys up in the results and in the log.
    keys: (&'a KeyAccess, &'a KeyAccess),
    /// Read the rows in parts of about this many keys, in key order.
    in_parts: Option<usize>,
    /// The query is interesting_sorted.sql, its rows sorted by key.
    sorted: bool,
    /// The payload columns, for the parts handed over.
    columns: &'a Dataset,
    /// Which slice of the key space (`--partitions`) this connection reads.
    slice: u32,
    /// The query is keys_duplicated_counted.sql alone, which may be split into two
    /// key ranges read at the same time.
    splittable: bool,
    /// PostgreSQL: the keys query of each checked class, to be read at the same
    /// time, and the query of the rows around keys bound as arrays
    /// ([`key_statements`]).
    concurrent: Option<&'a (Vec<String>, String)>,
    /// MariaDB, SQLite: the keys read before their rows ([`listed_statements`]).
    listed: Option<&'a Listed>,
}

/// Keys read before their rows, listed as literals ([`DatabaseSource::listed`]).
struct Listed {
    /// The keys queries: the first on the scan's connection, each other on a
    /// connection of its own, at the same time.
    keys: Vec<String>,
    /// The query of their rows, around the keys listed as literals (`{i_list}`).
    around: String,
}

/// A row of the keys query, read ([`DatabaseSource::key_row`]).
enum KeyRow {
    /// The table's rows (of a key range, when the grouping is split).
    All(u64),
    /// Rows whose key has a NULL column.
    Null(u64),
    /// A key, with its row count and first and last row ids when duplicated.
    Key {
        key: Key,
        n: Option<i64>,
        first: Option<String>,
        last: Option<String>,
    },
}

/// The interesting keys of the keys queries, each once, with the row counts and
/// row ids of the duplicated ones, and the counts of the table when a query
/// counted it (keys_duplicated_counted.sql: its rows, its NULL-key rows).
#[derive(Default)]
struct FoundKeys {
    found: HashMap<Key, Duplicated>,
    table: Option<[u64; 2]>,
}

impl FoundKeys {
    fn add(&mut self, row: KeyRow) {
        match row {
            KeyRow::All(count) => self.table.get_or_insert([0, 0])[0] += count,
            KeyRow::Null(count) => self.table.get_or_insert([0, 0])[1] += count,
            KeyRow::Key {
                key,
                n,
                first,
                last,
            } => {
                let seen = self.found.entry(key).or_default();
                // Only the duplicated keys' query counts a key's rows.
                if n.is_some() {
                    *seen = Duplicated { n, first, last };
                }
            }
        }
    }
}

/// PostgreSQL: a duplicate scan's grouping split into the key ranges below and from
/// `bound`, in the column's type `ty`.
struct KeySplit {
    column: String,
    ty: String,
    bound: String,
}

impl KeySplit {
    /// The grouping of one range: the keys below the bound (`below`) or from it.
    fn render(
        &self,
        d: Dialect,
        template: &str,
        fragments: &[(&str, &str)],
        lists: &[(&str, &[String])],
        below: bool,
    ) -> (String, Vec<String>) {
        let op = if below { "<" } else { ">=" };
        let range = format!(
            "WHERE {} {op} CAST({{key_split}} AS {})",
            self.column, self.ty
        );
        let bound = [self.bound.clone()];
        let mut lists = lists.to_vec();
        lists.push(("key_split", &bound));
        sql::render(
            d,
            &sql::compose(template, &[("r_range", &range)]),
            fragments,
            &lists,
        )
    }
}

/// PostgreSQL: the types of a table's key columns, and whether an index serves them.
#[derive(Default)]
struct KeyAccess {
    types: Vec<String>,
    indexed: bool,
    /// Every key column compares in byte order (`key_byte_ordered.sql`).
    byte_ordered: bool,
}

impl KeyAccess {
    /// A key compared as its text (`as_text`, per column) is looked up as text, in
    /// the types it is compared as, without its index.
    fn compared(&mut self, compared: &[TypedColumn], as_text: &[bool], keys: usize) {
        if as_text[..keys].contains(&true) {
            self.types = compared[..keys]
                .iter()
                .map(|c| c.sql_type.clone())
                .collect();
            self.indexed = false;
            self.byte_ordered = false;
        }
    }
}

/// What [`DatabaseSource::interesting`] read: the rows and log rows of the keys that
/// can carry a finding, the surplus rows of the duplicated ones, and, when its query
/// counted the table (keys_duplicated_counted.sql), the table's rows and NULL-key rows.
struct Interesting {
    kept: ReadRows,
    surplus: u64,
    table: Option<[u64; 2]>,
    /// When the rows went part by part to the caller's callback (`kept` then
    /// holds none), how many result rows were handed over.
    streamed: Option<usize>,
}

/// What takes the parts of a scan as a source reads them: a part's rows and log
/// rows (whole keys, in key order), with the positions of its result rows in the
/// order the source read them.
pub type OnPart<'a> = dyn FnMut(Dataset, Vec<usize>) -> Result<(), Error> + 'a;

/// This machine's cores.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// How many parts a scan asked to run in `asked` parts really runs in. A server on
/// this machine (a loopback address, `localhost` or a socket) shares its cores with
/// dupaudit: each part's query keeps one busy, and dupaudit, which merges and
/// classifies the parts, another. With fewer cores than that, the parts only take
/// turns on them and a split scan is slower than one connection (measured in
/// docs/benchmarks.md), so it runs as one and says so. A server elsewhere has cores
/// this machine cannot count: the scan runs in the parts asked for.
fn parts_that_help(asked: u32, url: &str, cores: usize) -> u32 {
    if asked <= 1 || !on_this_machine(url) || (asked as usize) < cores {
        return asked;
    }
    tracing::warn!(
        "--partitions {asked}: the database runs on this machine, whose {cores} cores cannot \
         run {asked} parts beside dupaudit ({} needed); reading over one connection, which \
         is faster here",
        asked + 1
    );
    1
}

/// Whether a server URL names this machine: a loopback address, `localhost`, or a
/// Unix socket (no host, or a `host` parameter that is a path).
fn on_this_machine(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    let socket = parsed
        .query_pairs()
        .any(|(k, v)| k == "host" && v.starts_with('/'));
    match parsed.host() {
        _ if socket => true,
        None => true,
        // A database URL's scheme is not one the URL standard knows, so its host,
        // an address included, comes as text.
        Some(url::Host::Domain(d)) => {
            let d = d.trim_start_matches('[').trim_end_matches(']');
            d.is_empty()
                || d.eq_ignore_ascii_case("localhost")
                || d.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
    }
}

/// The surplus rows of duplicated keys: all but one of each key's rows.
fn surplus_of(found: &HashMap<Key, Duplicated>) -> u64 {
    found
        .values()
        .map(|d| d.n.map_or(0, |n| n.max(1) as u64 - 1))
        .sum()
}

/// The result rows and log rows a query read.
#[derive(Default)]
struct ReadRows {
    results: Vec<ResultRow>,
    log: Vec<LogEntry>,
}

/// A key keys.sql returned: for a duplicated key, its row count and the ids of its
/// first and last row (when the table has row ids); all `None` for a key only the
/// other classes name.
#[derive(Debug, Default)]
struct Duplicated {
    n: Option<i64>,
    first: Option<String>,
    last: Option<String>,
}

/// The status values stored in the log, by what they mean, and how many log rows
/// there are.
#[derive(Debug, Default)]
struct Statuses {
    spellings: HashMap<Status, Vec<String>>,
    /// Log rows whose status is none of the spec's spellings.
    unknown: u64,
    /// Those rows by status value.
    unknown_values: std::collections::BTreeMap<String, u64>,
    /// Every log row (each has a status, NULL included).
    rows: u64,
}

impl Statuses {
    fn spellings(&self, s: Status) -> Vec<String> {
        self.spellings.get(&s).cloned().unwrap_or_default()
    }
}

/// What the query of the interesting keys returns around their UNION.
#[derive(Clone, Copy)]
enum Wrapper {
    /// The keys alone (PostgreSQL, `keys.sql`).
    Keys,
    /// Their rows (`interesting.sql`).
    Rows,
    /// Their rows sorted by key (`interesting_sorted.sql`); `row_ids`: the results
    /// table is a PostgreSQL table whose row ids name one row each.
    Sorted { row_ids: bool },
}

/// The query for the interesting keys of the checked classes: the UNION of their
/// `keys_*.sql`, inside `wrapper`. Empty when no checked class needs it. `counted`:
/// its duplicated keys' part also counts the table (PostgreSQL,
/// keys_duplicated_counted.sql); `grouped`: the log checks are one grouping (see
/// [`key_parts`]).
fn interesting_template(
    d: Dialect,
    wrapper: Wrapper,
    checks: &BTreeSet<Class>,
    counted: bool,
    by_rowid: bool,
    grouped: bool,
) -> String {
    let parts = key_parts(d, checks, counted, grouped);
    if parts.is_empty() {
        return String::new();
    }
    // `by_rowid`: a SQLite table with row ids and no index on the key. The duplicate
    // classes alone read their rows by the row ids their grouping lists, sorted (the
    // rows of the keys come in one order either way).
    if by_rowid
        && matches!(wrapper, Wrapper::Rows | Wrapper::Sorted { .. })
        && parts == [queries::KEYS_DUPLICATED.trim_end()]
    {
        return q::sqlite::DUPLICATED_ROWS_BY_ID.to_string();
    }
    sql::compose(
        &wrapper_template(d, wrapper),
        &[("keys", &parts.join("\nUNION\n"))],
    )
}

/// The keys_*.sql queries of the checked classes, each once.
///
/// `grouped`: the log checks are one grouping of both tables' rows
/// (keys_logged_grouped.sql), as on SQLite and MariaDB; else, on MySQL, a left join
/// each way.
fn key_parts(d: Dialect, checks: &BTreeSet<Class>, counted: bool, grouped: bool) -> Vec<String> {
    let duplicated = match counted {
        true => q::postgres::KEYS_DUPLICATED_COUNTED,
        false => queries::KEYS_DUPLICATED,
    };
    // MySQL and MariaDB have no full join: a left join each way (MySQL), or one
    // grouping of both tables' rows, sorted (MariaDB). SQLite's joins loop over one
    // table for each row of the other: the grouping, which it sorts, instead.
    let logged: Option<Vec<String>> = match (d, grouped) {
        (Dialect::Postgres, _) => None,
        (Dialect::Mysql | Dialect::Sqlite, true) => {
            Some(vec![queries::KEYS_LOGGED_GROUPED.to_string()])
        }
        (Dialect::Mysql | Dialect::Sqlite, false) => Some(vec![
            queries::KEYS_LOGGED_LEFT.to_string(),
            q::mysql::KEYS_LOG_UNWRITTEN.to_string(),
        ]),
    };
    let mut parts: Vec<String> = Vec::new();
    for sql in classes::prefilters(checks) {
        match &logged {
            _ if sql == queries::KEYS_DUPLICATED => parts.push(duplicated.to_string()),
            Some(logged) if sql == queries::KEYS_LOGGED => parts.extend(logged.iter().cloned()),
            _ => parts.push(sql.to_string()),
        }
    }
    parts
        .into_iter()
        .map(|sql| sql.trim_end().to_string())
        .collect()
}

/// The query around the interesting keys (`{keys}`).
fn wrapper_template(d: Dialect, wrapper: Wrapper) -> String {
    let through_cte = [
        ("with_interesting", q::INTERESTING_WITH),
        ("interesting_keys", "SELECT {k_list} FROM interesting"),
    ];
    match wrapper {
        Wrapper::Keys => q::postgres::KEYS.to_string(),
        Wrapper::Rows => sql::compose(q::INTERESTING, &through_cte),
        Wrapper::Sorted { .. } if d != Dialect::Postgres => {
            sql::compose(q::INTERESTING_SORTED, &through_cte)
        }
        Wrapper::Sorted { row_ids } => {
            let by_id = match row_ids {
                true => q::postgres::ROWS_BY_ID_SORTED.trim_end(),
                false => "",
            };
            sql::compose(q::postgres::INTERESTING_SORTED, &[("r_by_id", by_id)])
        }
    }
}

/// PostgreSQL, a scan of the whole key space on one connection: the keys query of
/// each checked class alone (`keys.sql` around one `keys_*.sql`), to be run at the
/// same time on connections of their own, with `wrapper` around keys bound from
/// the client (`{i_keys}`: one array per key column, then the keys' row counts and
/// first and last row ids). None when the classes have one keys query, or none.
fn key_statements(
    wrapper: Wrapper,
    checks: &BTreeSet<Class>,
    counted: bool,
) -> Option<(Vec<String>, String)> {
    let parts = key_parts(Dialect::Postgres, checks, counted, false);
    if parts.len() < 2 {
        return None;
    }
    let alone = parts
        .iter()
        .map(|part| {
            let alone = sql::compose(q::postgres::KEYS, &[("keys", part)]);
            unwindowed(&sql::compose(&alone, &[("r_range", "")]))
        })
        .collect();
    let bound = "SELECT * FROM unnest({i_keys}) AS i({k_list}, n, first_row, last_row)";
    let around = unwindowed(&sql::compose(
        &wrapper_template(Dialect::Postgres, wrapper),
        &[("keys", bound)],
    ));
    Some((alone, around))
}

/// Says that the keys are read with their rows: as literals they pass `room` bytes.
fn too_many_to_list(room: usize) {
    tracing::info!(
        "the keys that can carry a finding pass {room} bytes as literals: read with their rows"
    );
}

/// The keys queries of the checked classes (`keys_listed.sql`), and `wrapper` around
/// the keys they read, listed as literals (`{i_list}`). MariaDB: one query, the UNION
/// of the classes' (None when no class needs the keys). SQLite: one a class (None
/// for fewer than two: nothing to read at the same time).
fn listed_statements(
    d: Dialect,
    wrapper: Wrapper,
    checks: &BTreeSet<Class>,
    counted: bool,
    grouped: bool,
) -> Option<Listed> {
    let parts = key_parts(d, checks, counted, grouped);
    let listed = |keys: &str| sql::compose(q::KEYS_LISTED, &[("keys", keys)]);
    let keys = match d {
        Dialect::Sqlite if parts.len() >= 2 => parts.iter().map(|part| listed(part)).collect(),
        Dialect::Mysql if !parts.is_empty() => vec![listed(&parts.join("\nUNION\n"))],
        _ => return None,
    };
    let template = match wrapper {
        Wrapper::Sorted { .. } => q::INTERESTING_SORTED,
        Wrapper::Rows | Wrapper::Keys => q::INTERESTING,
    };
    let around = sql::compose(
        template,
        &[("with_interesting", ""), ("interesting_keys", "{i_list}")],
    );
    Some(Listed { keys, around })
}

/// What the error for a missing table says of the schemas (PostgreSQL) or databases
/// (MySQL) that hold a table of that name, with how to point the URL at the first;
/// empty when there are none.
fn elsewhere_hint(backend: &dyn Backend, places: &[String], name: &str) -> String {
    let Some(first) = places.first() else {
        return String::new();
    };
    let named = places
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let (is, s) = match places.len() {
        1 => ("a table of that name is", ""),
        _ => ("tables of that name are", "s"),
    };
    let Some(place) = backend.schema_word() else {
        return String::new();
    };
    format!(
        "; {is} in {place}{s} {named}: name it in the spec, as in `table = {name:?}` and \
         `schema = {first:?}` (see \"Tables in another schema\" in docs/sources.md)"
    )
}

/// For a missing table named `schema.name` where schema `schema` (a database, on
/// MySQL) holds a table `name`, or the current one when `None`: how to name it.
fn qualified_hint(schema: Option<&str>, name: &str) -> String {
    let schema = match schema {
        Some(schema) => format!(" and `schema = {schema:?}`"),
        None => String::new(),
    };
    format!(
        "; `table` takes the table's name alone: write `table = {name:?}`{schema} (see \
         \"Tables in another schema\" in docs/sources.md)"
    )
}

/// The key columns of `alias` read as reports write them ([`TypedColumn::read`]).
fn key_reads(d: Dialect, alias: &str, key: &[TypedColumn]) -> Vec<String> {
    key.iter()
        .map(|c| c.read(d, &sql::qualified(d, alias, &c.name)))
        .collect()
}

/// Key columns read as text (`reads`), compared byte for byte, as the scan compares
/// keys.
fn key_bytes(d: Dialect, reads: &[String]) -> Vec<String> {
    reads
        .iter()
        .map(|text| match d {
            Dialect::Postgres => format!("{text} COLLATE \"C\""),
            Dialect::Mysql => format!("CAST({text} AS BINARY)"),
            // Text compares byte for byte unless a collation says otherwise.
            Dialect::Sqlite => text.clone(),
        })
        .collect()
}

/// [`key_bytes`], the order of the scan's parts, named `o0`, `o1`, ...: the sort
/// columns of interesting_sorted.sql.
fn key_order(d: Dialect, reads: &[String]) -> String {
    key_bytes(d, reads)
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{e} AS o{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The key columns as the totals count distinct keys: as the scan compares them,
/// byte for byte. A PostgreSQL column's own (deterministic) collation already
/// does, and keeps the plans of its own type; a MySQL collation may not (`alpha`
/// and `ALPHA`, `a` and `a ` are one value under utf8mb4_general_ci).
fn key_distinct(d: Dialect, alias: &str, key: &[String], columns: &[TypedColumn]) -> String {
    match d {
        Dialect::Postgres => sql::column_list(d, alias, key),
        Dialect::Mysql | Dialect::Sqlite => {
            key_bytes(d, &key_reads(d, alias, &columns[..key.len()])).join(", ")
        }
    }
}

/// A query with its binds, in order.
fn bound<'q>(
    sql: &'q str,
    binds: Vec<String>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut query = sqlx::query(sql);
    for b in binds {
        query = query.bind(b);
    }
    query
}

/// How a window bound is sent for a time column stored as `kind`: an instant as UTC
/// text, a wall-clock time (or SQLite text written in a named zone) as the wall-clock
/// time in the table's zone, an integer time as the count of its epoch unit; in forms
/// PostgreSQL, MySQL and SQLite's date functions all read.
fn bound_time(
    d: Dialect,
    kind: TimeKind,
    clock: Clock,
    t: chrono::DateTime<chrono::Utc>,
) -> String {
    let wall = || match clock.zone {
        Some(zone) => t.with_timezone(&zone).naive_local(),
        None => t.naive_utc(),
    };
    let text = |n: chrono::NaiveDateTime| n.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    match (kind, d) {
        (TimeKind::Epoch, _) => match clock.epoch {
            crate::spec::EpochUnit::Seconds => t.timestamp().to_string(),
            crate::spec::EpochUnit::Milliseconds => t.timestamp_millis().to_string(),
            crate::spec::EpochUnit::Microseconds => t.timestamp_micros().to_string(),
        },
        (TimeKind::Naive, _) | (TimeKind::Text, Dialect::Sqlite) => text(wall()),
        (TimeKind::Zoned | TimeKind::Text, _) => text(t.naive_utc()),
    }
}

/// `col`, stored as `kind`, in `[{since_x}, {until_x})` (`x` names the column's
/// bounds, see [`Typed::window_bounds`]), compared as its storage compares.
fn in_window(d: Dialect, col: &str, kind: TimeKind, x: &str) -> String {
    let (since, until) = (format!("{{since_{x}}}"), format!("{{until_{x}}}"));
    let typed =
        |ty: &str| format!("({col} >= CAST({since} AS {ty}) AND {col} < CAST({until} AS {ty}))");
    match (kind, d) {
        (TimeKind::Epoch, Dialect::Postgres) => typed("bigint"),
        (TimeKind::Epoch, Dialect::Mysql) => typed("SIGNED"),
        (TimeKind::Epoch, Dialect::Sqlite) => typed("INTEGER"),
        (TimeKind::Zoned, Dialect::Postgres) => typed("timestamptz"),
        (TimeKind::Naive, Dialect::Postgres) => typed("timestamp"),
        (TimeKind::Zoned | TimeKind::Naive, Dialect::Mysql) => typed("DATETIME(6)"),
        (TimeKind::Text, Dialect::Postgres) => format!(
            "(CAST({col} AS timestamptz) >= CAST({since} AS timestamptz) AND CAST({col} AS timestamptz) < CAST({until} AS timestamptz))"
        ),
        (TimeKind::Text, Dialect::Mysql) => format!(
            "(CAST({col} AS DATETIME(6)) >= CAST({since} AS DATETIME(6)) AND CAST({col} AS DATETIME(6)) < CAST({until} AS DATETIME(6)))"
        ),
        (_, Dialect::Sqlite) => {
            format!("(julianday({col}) >= julianday({since}) AND julianday({col}) < julianday({until}))")
        }
    }
}

/// A template with its window markers removed: a scan not limited to a window.
fn unwindowed(template: &str) -> String {
    let markers = ["touched_cte", "r_touch", "l_touch", "r_window_and"];
    let parts: Vec<(&str, &str)> = markers.into_iter().map(|m| (m, "")).collect();
    sql::compose(template, &parts)
}

/// Expands the window markers of a template: to nothing when the scan is not
/// limited to a window, else to the predicates and the `touched` keys (the bounds
/// they name are bound by `sql::render`, from [`Typed::window_bounds`]).
fn windowed(d: Dialect, template: &str, spec: &AuditSpec, typed: &Typed) -> String {
    if template.is_empty() {
        return String::new();
    }
    let Some(_) = spec.scan.window else {
        return unwindowed(template);
    };
    let r_in = match typed.results_time {
        Some(kind) => in_window(d, "{r_ts}", kind, "r"),
        None => "FALSE".into(),
    };
    let l_created = in_window(d, "{l_created}", typed.log_created, "lc");
    let l_updated = match typed.log_updated {
        Some(kind) => format!("OR {}", in_window(d, "{l_updated}", kind, "lu")),
        None => String::new(),
    };
    let touched = q::TOUCHED
        .lines()
        .filter(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    let touched_cte = format!("touched AS (\n{touched}\n),\n");
    let r_window_and = format!("AND {r_in}");
    let parts = [
        ("touched_cte", touched_cte.as_str()),
        ("touched_select", touched.as_str()),
        ("r_touch", "AND ({r_key}) IN (SELECT {k_list} FROM touched)"),
        ("l_touch", "AND ({l_key}) IN (SELECT {k_list} FROM touched)"),
        ("r_window_and", r_window_and.as_str()),
        ("r_in_window", r_in.as_str()),
        ("l_created_in_window", l_created.as_str()),
        ("l_updated_in_window", l_updated.as_str()),
    ];
    sql::compose(template, &parts)
}

/// Row ids a cross-key read asks for in one query.
const ROW_IDS_PER_QUERY: usize = 65_536;

/// A PostgreSQL row id, `(page,item)`, as one number: the page in the high bits, the
/// item (at most 16 bits) in the low ones.
fn pack_row_id(text: &str) -> Option<u64> {
    let (page, item) = text.strip_prefix('(')?.strip_suffix(')')?.split_once(',')?;
    let (page, item): (u64, u64) = (page.parse().ok()?, item.parse().ok()?);
    (page <= u32::MAX as u64 && item <= 0xffff).then_some(page << 16 | item)
}

/// The row ids of `hashed` (payload hash, key hash, row id) whose payload appears
/// under more than one key.
/// Says what cross-key costs on a table of `rows` rows (read once where it is
/// `plain`, else twice), from [`CROSS_KEY_NOTICE_ROWS`] on. `rows` is counted, or
/// the planner's estimate where the pass starts before the rows are counted.
fn cross_key_notice(rows: u64, plain: bool, estimated: bool) {
    if rows < CROSS_KEY_NOTICE_ROWS {
        return;
    }
    let count = match estimated {
        true => format!("about {rows}"),
        false => rows.to_string(),
    };
    // A plain PostgreSQL or SQLite table is read once; elsewhere the rows of shared
    // payloads are found in a second pass.
    let passes = match plain {
        true => "",
        false => ", twice",
    };
    tracing::warn!(
        "cross-key detection reads and hashes every payload ({count}){passes}: \
         on a table this size it takes longer than all the other checks together; \
         `--classes` without cross-key, or `[scan] cross_key = false` in the spec, skips it"
    );
}

/// Cross-key's pass over every keyed row, its payloads canonicalized and hashed on a
/// thread of their own a batch at a time while the next batch is read: parsing each
/// payload as JSON, writing it in canonical form and hashing it took about a third
/// of the pass, which otherwise waits on the one core that reads the rows.
struct HashedRows {
    canon: std::sync::Arc<Canonicalizer>,
    batch: Vec<(ResultRow, u64)>,
    pending: Option<tokio::task::JoinHandle<Hashed>>,
    done: Hashed,
}

/// What [`HashedRows`] keeps: each row's (payload hash cut to 64 bits, key hash, row
/// id), the number of non-JSON payloads and the primary keys of the first
/// [`NON_JSON_LISTED`] of them.
#[derive(Default)]
struct Hashed {
    rows: Vec<(u64, u64, u64)>,
    non_json: u64,
    listed: Vec<Vec<String>>,
}

/// Rows a batch of [`HashedRows`] hands to its thread.
const HASHED_BATCH: usize = 4096;

impl HashedRows {
    /// `rows`: how many rows the pass will read (0 when unknown), which the kept
    /// hashes are sized by.
    fn new(canon: &Canonicalizer, rows: u64) -> HashedRows {
        HashedRows {
            canon: std::sync::Arc::new(canon.clone()),
            batch: Vec::with_capacity(HASHED_BATCH),
            pending: None,
            done: Hashed {
                rows: Vec::with_capacity(rows as usize),
                ..Default::default()
            },
        }
    }

    /// Adds a row with its id (0 where rows have none).
    async fn push(&mut self, row: ResultRow, id: u64) -> Result<(), Error> {
        self.batch.push((row, id));
        if self.batch.len() == HASHED_BATCH {
            self.hand_over().await?;
        }
        Ok(())
    }

    /// Waits for the batch being hashed, then starts hashing the one read.
    async fn hand_over(&mut self) -> Result<(), Error> {
        self.collect().await?;
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(HASHED_BATCH));
        let canon = self.canon.clone();
        self.pending = Some(tokio::task::spawn_blocking(move || {
            hash_rows(&canon, batch)
        }));
        Ok(())
    }

    async fn collect(&mut self) -> Result<(), Error> {
        if let Some(pending) = self.pending.take() {
            let h = pending
                .await
                .map_err(|e| Error::Runtime(format!("hashing payloads failed: {e}")))?;
            self.done.rows.extend(h.rows);
            self.done.non_json += h.non_json;
            let room = NON_JSON_LISTED.saturating_sub(self.done.listed.len());
            self.done.listed.extend(h.listed.into_iter().take(room));
        }
        Ok(())
    }

    /// Every row hashed; the first non-JSON rows' primary keys added to `listed`
    /// (up to [`NON_JSON_LISTED`] in all).
    async fn finish(mut self, listed: &mut Vec<Vec<String>>) -> Result<Hashed, Error> {
        self.hand_over().await?;
        self.collect().await?;
        let room = NON_JSON_LISTED.saturating_sub(listed.len());
        listed.extend(std::mem::take(&mut self.done.listed).into_iter().take(room));
        Ok(self.done)
    }
}

/// [`HashedRows`]' work on one batch.
fn hash_rows(canon: &Canonicalizer, batch: Vec<(ResultRow, u64)>) -> Hashed {
    let mut out = Hashed {
        rows: Vec::with_capacity(batch.len()),
        ..Default::default()
    };
    for (r, id) in batch {
        let c = canon.quick_hash(&r.payload);
        if c.non_json {
            out.non_json += 1;
            if out.listed.len() < NON_JSON_LISTED {
                out.listed.push(r.pk);
            }
        }
        let key_hash = hash_key(r.key.as_ref().expect("keyed rows have keys"));
        out.rows.push((c.hash, key_hash, id));
    }
    out
}

/// The keys of `hashed` (payload hash, key hash, row id) whose key hash no other row
/// has, and the row ids of the rest, whose keys are to be read and counted.
fn keys_of_hashes(hashed: &[(u64, u64, u64)]) -> (u64, Vec<u64>) {
    let mut by_key: Vec<(u64, u64)> = hashed.iter().map(|&(_, key, id)| (key, id)).collect();
    by_key.sort_unstable();
    let mut alone = 0;
    let mut shared = Vec::new();
    for same in by_key.chunk_by(|a, b| a.0 == b.0) {
        match same.len() {
            1 => alone += 1,
            _ => shared.extend(same.iter().map(|h| h.1)),
        }
    }
    (alone, shared)
}

fn shared_rows(mut hashed: Vec<(u64, u64, u64)>) -> Vec<u64> {
    hashed.sort_unstable();
    hashed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|same| same[0].1 != same[same.len() - 1].1)
        .flat_map(|same| same.iter().map(|h| h.2))
        .collect()
}

/// The payload hashes (cut to 64 bits) of `pairs` (payload hash, key hash) that
/// appear under more than one key.
pub(crate) fn shared_payloads(mut pairs: Vec<(u64, u64)>) -> HashSet<u64> {
    pairs.sort_unstable();
    pairs
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|same| same[0].1 != same[same.len() - 1].1)
        .map(|same| same[0].0)
        .collect()
}

/// The first 64 bits of the key's digest ([`crate::vocab::key_digest`]).
pub(crate) fn hash_key(key: &Key) -> u64 {
    crate::vocab::key_hash(key.iter().map(String::as_str))
}

/// What `init` reads of the two tables beyond their columns (see
/// [`DatabaseSource::init_facts`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitFacts {
    /// The results' foreign keys to the log, each as (results column, log column)
    /// pairs in key order.
    pub references: Vec<Vec<(String, String)>>,
    /// The log's unique keys, each its columns in order, the primary key first.
    pub log_unique: Vec<Vec<String>>,
    /// The most frequent values of the log's status column, with their rows.
    pub statuses: Vec<(String, u64)>,
}

/// What the catalog says of the columns the queries compare and bound.
#[derive(Debug, Clone)]
pub(crate) struct Typed {
    /// The key columns of each table, then its attempt column when the spec names
    /// both tables' attempts.
    results_key: Vec<TypedColumn>,
    log_key: Vec<TypedColumn>,
    /// The same columns as they are compared: a column compared as its text (a
    /// UUID or an integer beside a text column) is text there.
    results_compared: Vec<TypedColumn>,
    log_compared: Vec<TypedColumn>,
    /// Per column of `results_key` / `log_key`: compared as its text.
    results_as_text: Vec<bool>,
    log_as_text: Vec<bool>,
    /// How many of the columns are the key's.
    keys: usize,
    /// The results' and the log's clocks, which bound their times.
    clocks: (Clock, Clock),
    results_time: Option<TimeKind>,
    log_created: TimeKind,
    log_updated: Option<TimeKind>,
    /// Every column of each table, which rows are read as the text of.
    results_columns: Vec<TypedColumn>,
    log_columns: Vec<TypedColumn>,
}

impl Typed {
    /// The key columns alone (no attempt), as compared, of the results and the log.
    fn compared_keys(&self) -> (&[TypedColumn], &[TypedColumn]) {
        (
            &self.results_compared[..self.keys],
            &self.log_compared[..self.keys],
        )
    }

    /// The bounds of a window for each time column, named as [`in_window`] names
    /// them: each in the form its column's storage compares.
    fn window_bounds(&self, d: Dialect, w: crate::spec::TimeWindow) -> Vec<(&'static str, String)> {
        let (rc, lc) = self.clocks;
        let mut out = Vec::new();
        let mut add = |name: &'static str, kind: Option<TimeKind>, clock: Clock, which| {
            if let Some(kind) = kind {
                let t = if which { w.until } else { w.since };
                out.push((name, bound_time(d, kind, clock, t)));
            }
        };
        add("since_r", self.results_time, rc, false);
        add("until_r", self.results_time, rc, true);
        add("since_lc", Some(self.log_created), lc, false);
        add("until_lc", Some(self.log_created), lc, true);
        add("since_lu", self.log_updated, lc, false);
        add("until_lu", self.log_updated, lc, true);
        out
    }
}

/// The SQL fragments of one spec in one dialect.
struct Shape {
    fragments: Vec<(&'static str, String)>,
    /// The results are a plain table whose row ids name one row each: PostgreSQL's
    /// ctid, SQLite's rowid.
    plain: bool,
    dialect: Dialect,
    results: TableName,
    results_key: Vec<String>,
    log_key: Vec<String>,
    typed: Typed,
}

/// The key columns of `alias` as they are compared: each as itself, or as its text
/// where `as_text` says so.
fn compared(d: Dialect, alias: &str, columns: &[TypedColumn], as_text: &[bool]) -> Vec<String> {
    columns
        .iter()
        .zip(as_text)
        .map(|(c, &text)| {
            let q = sql::qualified(d, alias, &c.name);
            match text {
                true => c.read(d, &q),
                false => q,
            }
        })
        .collect()
}

/// The text a scan reads of `alias.column` ([`TypedColumn::read`]: bytes as hex).
fn column_text(d: Dialect, alias: &str, column: &str, typed: &[TypedColumn]) -> String {
    let q = sql::qualified(d, alias, column);
    match typed.iter().find(|k| k.name == column) {
        Some(k) => k.read(d, &q),
        None => sql::as_text(d, &q),
    }
}

/// `read(alias.col) AS c0, ...` as [`sql::text_projection`], each column of
/// `typed` read as its kind is ([`TypedColumn::read`]: bytes as hex).
pub(crate) fn projection(
    d: Dialect,
    alias: &str,
    columns: &[String],
    width: usize,
    typed: &[TypedColumn],
) -> String {
    let mut parts: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{} AS c{i}", column_text(d, alias, c, typed)))
        .collect();
    for i in columns.len()..width {
        parts.push(format!("NULL AS c{i}"));
    }
    parts.join(", ")
}

impl Shape {
    /// `row_ids`: the results table is a PostgreSQL table whose ctid names one row.
    fn new(
        d: Dialect,
        spec: &AuditSpec,
        rp: &ResultProjection,
        lp: &LogProjection,
        row_ids: bool,
        typed: Typed,
    ) -> Shape {
        let (first_row, last_row) = match row_ids {
            true => ("CAST(MIN(r.ctid) AS text)", "CAST(MAX(r.ctid) AS text)"),
            false => ("NULL", "NULL"),
        };
        let r = &spec.results;
        let l = &spec.log;
        let width = rp.columns.len().max(lp.columns.len());
        let t = &typed;
        // Keys and attempts, as the two tables' columns are compared.
        let r_all = compared(d, "r", &t.results_key, &t.results_as_text);
        let l_all = compared(d, "l", &t.log_key, &t.log_as_text);
        let equal = |n: usize| {
            l_all
                .iter()
                .zip(&r_all)
                .take(n)
                .map(|(l, r)| format!("{l} = {r}"))
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        let (rl_match, rl_key_match) = (equal(l_all.len()), equal(t.keys));
        let (r_key, l_key) = (&r_all[..t.keys], &l_all[..t.keys]);
        let named = |exprs: &[String]| {
            exprs
                .iter()
                .enumerate()
                .map(|(i, e)| format!("{e} AS k{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (r_compared, _) = t.compared_keys();
        let attempts = r_all
            .get(t.keys)
            .map(String::as_str)
            .zip(l_all.get(t.keys).map(String::as_str));
        let joined = sql::full_join_fragments(r_key, l_key, attempts);
        let mut fragments = vec![
            ("results", r.table_name().quoted(d)),
            ("log", l.table_name().quoted(d)),
            ("status", sql::quote_ident(d, &l.status)),
            (
                "status_text",
                sql::as_text(d, &sql::qualified(d, "l", &l.status)),
            ),
            (
                "r_columns",
                projection(d, "r", &rp.columns, width, &t.results_columns),
            ),
            (
                "l_columns",
                projection(d, "l", &lp.columns, width, &t.log_columns),
            ),
            // The columns of a pass that only hashes the payloads: the attempt and
            // the time are NULL, neither cast to text nor sent.
            (
                "r_hashed_columns",
                rp.columns
                    .iter()
                    .zip(rp.hashed_columns())
                    .enumerate()
                    .map(|(i, (c, read))| match read {
                        true => format!("{} AS c{i}", column_text(d, "r", c, &t.results_columns)),
                        false => format!("NULL AS c{i}"),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            ("r_key", r_key.join(", ")),
            ("l_key", l_key.join(", ")),
            // A grouping groups by the columns themselves: the same groups as
            // their text, and an expression selected over them may cast.
            ("r_key_group", sql::column_list(d, "r", &r.key)),
            ("l_key_group", sql::column_list(d, "l", &l.key)),
            ("r_key_as", named(r_key)),
            ("l_key_as", named(l_key)),
            ("r_key_not_null", sql::key_nullness(d, "r", &r.key, false)),
            ("l_key_not_null", sql::key_nullness(d, "l", &l.key, false)),
            ("r_key_null", sql::key_nullness(d, "r", &r.key, true)),
            // Set by `sort_groupings` on MySQL and MariaDB.
            ("r_sorted_grouping", String::new()),
            ("l_sorted_grouping", String::new()),
            ("sorted_grouping", String::new()),
            ("rl_match", rl_match),
            ("rl_key_match", rl_key_match),
            ("r_pk_first", sql::quote_ident(d, &r.primary_key[0])),
            ("l_key_first", sql::quote_ident(d, &l.key[0])),
            (
                "r_ts",
                r.timestamp
                    .as_ref()
                    .map(|c| sql::qualified(d, "r", c))
                    .unwrap_or_default(),
            ),
            ("l_created", sql::qualified(d, "l", &l.created_at)),
            (
                "l_updated",
                l.updated_at
                    .as_ref()
                    .map(|c| sql::qualified(d, "l", c))
                    .unwrap_or_default(),
            ),
            (
                "k_list",
                (0..r.key.len())
                    .map(|i| format!("k{i}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            (
                "k_literal",
                (0..r.key.len())
                    .map(|i| match d {
                        Dialect::Sqlite => format!("quote(k{i}) AS k{i}"),
                        _ => format!("CONCAT('_', CHARSET(k{i}), ' X''', HEX(CAST(k{i} AS BINARY)), '''') AS k{i}"),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            (
                "k_text",
                r_compared
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{} AS k{i}", c.read(d, &format!("k{i}"))))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            (
                "r_order",
                key_order(d, &key_reads(d, "r", &t.results_key[..t.keys])),
            ),
            (
                "l_order",
                key_order(d, &key_reads(d, "l", &t.log_key[..t.keys])),
            ),
            (
                "r_key_distinct",
                key_distinct(d, "r", &r.key, &t.results_key),
            ),
            // A result row's place in the table, so that a key's rows always
            // come in one order: on PostgreSQL its row id where row ids name
            // one row, elsewhere its first primary key column.
            (
                "r_pos",
                match (d, row_ids) {
                    (Dialect::Postgres, true) => "r.ctid AS p".to_string(),
                    (Dialect::Postgres, false) => "CAST(NULL AS tid) AS p".to_string(),
                    (Dialect::Sqlite | Dialect::Mysql, _) => {
                        format!("{} AS p", sql::qualified(d, "r", &r.primary_key[0]))
                    }
                },
            ),
            (
                "l_pos",
                match d {
                    Dialect::Postgres => "CAST(NULL AS tid) AS p",
                    Dialect::Sqlite | Dialect::Mysql => "NULL AS p",
                }
                .to_string(),
            ),
            // By key, then a key's result rows in table order where row ids
            // name one row.
            (
                "order",
                (0..r.key.len())
                    .map(|i| format!("o{i}"))
                    .chain(["p".to_string(), "side".to_string()])
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            (
                "sorted_columns",
                (0..width)
                    .map(|i| format!("c{i}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            ("r_first_row", first_row.to_string()),
            ("r_last_row", last_row.to_string()),
        ];
        fragments.extend(joined);
        Shape {
            dialect: d,
            results: r.table_name(),
            results_key: r.key.clone(),
            log_key: l.key.clone(),
            fragments,
            plain: false,
            typed,
        }
    }

    /// The predicates that keep one slice of the key space, for results and log.
    fn partition(&self, n: u32, slice: u32) -> (String, String) {
        (
            sql::partition_filter(self.dialect, "r", &self.results_key, n, slice),
            sql::partition_filter(self.dialect, "l", &self.log_key, n, slice),
        )
    }

    fn fragments(&self) -> Vec<(&str, &str)> {
        self.fragments
            .iter()
            .map(|(n, f)| (*n, f.as_str()))
            .collect()
    }

    /// One of [`Self::fragments`] by name.
    fn fragment(&self, name: &str) -> &str {
        self.fragments
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| f.as_str())
            .expect("a fragment every shape has")
    }

    fn typed(&self) -> &Typed {
        &self.typed
    }

    /// MariaDB (MySQL was not measured): the groupings of whole tables by key that no
    /// index serves in key order (the results' without an index on the key; the log's COMPLETED
    /// rows always, since the key's index holds no status) sort the rows
    /// (`SQL_BIG_RESULT`) instead of counting each key in a temporary table, which
    /// passes its 16 MB in memory at about 100,000 keys and goes on on disk. At a
    /// million rows with uuid keys on MariaDB: the results' grouping 7.5 s → 1.5 s
    /// without an index; the log's 7.2 s → 1.1 s without one and 14.5 s → 1.1 s with
    /// one, where MariaDB walked the index and read each row from the table in key
    /// order. With the key indexed the results' grouping reads the index alone in key
    /// order (0.2 s), which a sort would only slow (0.8 s). The log checks' grouping
    /// of both tables (keys_logged_grouped.sql) always sorts.
    fn sort_groupings(&mut self, results_indexed: bool) {
        if self.dialect != Dialect::Mysql {
            return;
        }
        const SORTED: &str = "SQL_BIG_RESULT ";
        for (name, fragment) in &mut self.fragments {
            match *name {
                "r_sorted_grouping" if !results_indexed => *fragment = SORTED.to_string(),
                "l_sorted_grouping" | "sorted_grouping" => *fragment = SORTED.to_string(),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{keys_of_hashes, on_this_machine, pack_row_id, parts_that_help, shared_rows};

    #[test]
    fn a_key_hash_seen_once_is_a_key_and_the_rows_of_the_others_are_read_again() {
        // (payload hash, key hash, row id): key hash 5 once, 6 twice, 7 three times.
        let hashed = [
            (1, 6, 10),
            (2, 5, 11),
            (3, 7, 12),
            (1, 6, 13),
            (4, 7, 14),
            (4, 7, 15),
        ];
        let (alone, mut shared) = keys_of_hashes(&hashed);
        shared.sort();
        assert_eq!(alone, 1);
        assert_eq!(shared, [10, 12, 13, 14, 15]);
        assert_eq!(keys_of_hashes(&[]), (0, vec![]));
    }

    #[test]
    fn row_ids_are_packed_and_shared_payloads_found_by_row() {
        assert_eq!(pack_row_id("(0,1)"), Some(1));
        assert_eq!(
            pack_row_id("(4294967295,65535)"),
            Some(u32::MAX as u64 * 65536 + 65535)
        );
        assert_eq!(pack_row_id("(1,65536)"), None);
        assert_eq!(pack_row_id("1,2"), None);
        // Payload 7 under keys 1 and 2 (rows 10, 11, 12), payload 8 under key 3 twice.
        let mut ids = shared_rows(vec![
            (7, 1, 10),
            (8, 3, 20),
            (7, 2, 11),
            (8, 3, 21),
            (7, 1, 12),
        ]);
        ids.sort_unstable();
        assert_eq!(ids, vec![10, 11, 12]);
    }

    #[test]
    fn a_server_on_this_machine_is_recognised_by_its_url() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/db",
            "postgres://localhost/db",
            "mysql://root@[::1]:3306/db",
            "postgres:///db?host=/var/run/postgresql",
            "postgres://127.0.0.2/db",
        ] {
            assert!(on_this_machine(url), "{url}");
        }
        for url in ["postgres://db.internal:5432/db", "mysql://10.0.0.7/db"] {
            assert!(!on_this_machine(url), "{url}");
        }
    }

    #[test]
    fn parts_run_as_one_only_where_this_machine_lacks_the_cores() {
        let local = "postgres://127.0.0.1/db";
        assert_eq!(parts_that_help(2, local, 2), 1);
        assert_eq!(parts_that_help(4, local, 4), 1);
        assert_eq!(parts_that_help(2, local, 3), 2);
        assert_eq!(parts_that_help(4, local, 8), 4);
        assert_eq!(parts_that_help(1, local, 1), 1);
        assert_eq!(parts_that_help(4, "postgres://db.internal/db", 2), 4);
    }
}
