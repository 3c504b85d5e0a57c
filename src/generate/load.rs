//! Loading an incident into a database, so that dupaudit can be tried against any
//! server in one line and tests can fill a database of their own.
//!
//! In: a database URL (`postgres://`, `mysql://` or `mariadb://`, `sqlite://`), an
//! [`Incident`] and the [`Tables`] to create, in a [`Shape`]. Out: the two tables,
//! created with the SQL in `queries/<dialect>/load_*.sql` with the column types the
//! shape asks for, filled and indexed, and the row counts the database reported
//! ([`LoadStats`]).
//!
//! Steps, in one transaction where the dialect allows it (PostgreSQL, SQLite):
//! 1. Refuse tables that exist, unless asked to replace them; then drop them.
//! 2. Create the tables.
//! 3. Write the rows: COPY on PostgreSQL, multi-row INSERT batches on MySQL and on
//!    SQLite (each statement a round trip to sqlx's SQLite thread).
//! 4. Create the index, after the rows: one sort instead of a b-tree insert per row;
//!    then the shape's foreign key, unchecked (SQLite declares it in CREATE TABLE).
//! 5. Commit.

use std::io::Write;
use std::str::FromStr;

use sqlx::mysql::{MySql, MySqlArguments, MySqlConnectOptions, MySqlConnection};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::query::Query;
use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

use super::shape::{hex, local, zoned, Kind, Shape, Table as ShapeTable, TimeForm, Value};
use super::{GenLog, GenRow, Incident};
use crate::error::Error;
use crate::source::{redact_secrets, redact_url};
use crate::sql::{quote_ident, render, row_values, validate_identifier, Dialect};

use crate::sql::queries::load as q;

/// MySQL refuses a prepared statement with more placeholders than this.
const MYSQL_MAX_PLACEHOLDERS: usize = 65_535;

/// Rows per MySQL INSERT: enough that round trips stop mattering.
const MYSQL_BATCH_ROWS: usize = 2_000;
/// The most columns a generated table has.
const MAX_COLUMNS: usize = 8;
const _: () = assert!(MYSQL_BATCH_ROWS * MAX_COLUMNS <= MYSQL_MAX_PLACEHOLDERS);

/// Bytes of values per MySQL INSERT, so that long payloads still fit the 4 MiB
/// `max_allowed_packet` of older servers.
const MYSQL_BATCH_BYTES: usize = 2 << 20;

/// Rows per SQLite INSERT: each statement is a round trip to sqlx's SQLite thread,
/// and a statement may bind 32,766 values.
const SQLITE_BATCH_ROWS: usize = 500;
const _: () = assert!(SQLITE_BATCH_ROWS * MAX_COLUMNS <= 32_766);

/// Bytes of CSV handed to PostgreSQL per COPY message: memory stays flat however
/// many rows there are.
const COPY_CHUNK_BYTES: usize = 1 << 20;

/// The names of the two tables to create, and their shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    pub results: String,
    pub log: String,
    pub shape: Shape,
}

impl Default for Tables {
    /// The names the default spec reads, `results` and `idempotency_log`, in the
    /// sample's shape.
    fn default() -> Self {
        Tables {
            results: "results".into(),
            log: "idempotency_log".into(),
            shape: Shape::default(),
        }
    }
}

impl Tables {
    fn validate(&self) -> Result<(), Error> {
        for (which, name) in [("results table", &self.results), ("log table", &self.log)] {
            validate_identifier(name).map_err(|why| Error::Usage(format!("{which}: {why}")))?;
        }
        if self.results == self.log {
            return Err(Error::Usage(format!(
                "the results table and the log table are both named `{}`; give them different names",
                self.results
            )));
        }
        Ok(())
    }
}

/// What a load wrote, as counted by the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadStats {
    pub result_rows: u64,
    pub log_rows: u64,
}

/// Creates `tables` in the database at `url` and writes `incident` into them.
///
/// Existing tables are an error ([`Error::TableExists`]) unless `replace` is set, in
/// which case they are dropped first. On PostgreSQL and SQLite a failed load changes
/// nothing. MySQL commits every DDL statement on its own: a load that fails after the
/// tables were created drops them again, so nothing half-filled stays behind, but
/// tables dropped by `replace` are gone.
///
/// Errors never contain the URL's password.
pub async fn load_incident(
    url: &str,
    incident: &Incident,
    tables: &Tables,
    replace: bool,
) -> Result<LoadStats, Error> {
    tables.validate()?;
    let target = Target { url };
    let dialect = dialect_of(url)?;
    let rows = Rows::new(incident);
    match dialect {
        Dialect::Postgres => load_postgres(&target, &rows, tables, replace).await,
        Dialect::Mysql => load_mysql(&target, &rows, tables, replace).await,
        Dialect::Sqlite => load_sqlite(&target, &rows, tables, replace).await,
    }
}

/// The rows in the order they are written: results by id (as generated), log rows by
/// their primary key, so that every primary-key index grows at its right edge
/// instead of splitting pages all over a tree larger than the cache.
struct Rows<'a> {
    results: &'a [GenRow],
    log: Vec<&'a GenLog>,
}

impl<'a> Rows<'a> {
    fn new(incident: &'a Incident) -> Rows<'a> {
        let mut log: Vec<&GenLog> = incident.log.iter().collect();
        log.sort_unstable_by(|a, b| {
            (&a.operation_name, &a.idempotency_key, &a.attempt_id).cmp(&(
                &b.operation_name,
                &b.idempotency_key,
                &b.attempt_id,
            ))
        });
        Rows {
            results: &incident.results,
            log,
        }
    }
}

fn dialect_of(url: &str) -> Result<Dialect, Error> {
    Dialect::of_url(url).ok_or_else(|| {
        Error::Usage(format!(
            "`{}` is not a database URL dupaudit can load into; use postgres://, mysql:// or sqlite://",
            redact_url(url)
        ))
    })
}

/// The database being loaded, for error messages that never show its password.
struct Target<'a> {
    url: &'a str,
}

impl Target<'_> {
    fn location(&self) -> String {
        redact_url(self.url)
    }

    fn connect_failed(&self) -> impl Fn(sqlx::Error) -> Error + '_ {
        move |e| Error::Connect {
            location: self.location(),
            message: redact_secrets(&e.to_string(), self.url),
        }
    }

    /// An error while `doing` something, e.g. "creating tables".
    fn failed(&self, doing: String) -> impl Fn(sqlx::Error) -> Error + '_ {
        move |e| Error::Query {
            location: self.location(),
            message: format!("{doing}: {}", redact_secrets(&e.to_string(), self.url)),
        }
    }

    fn exists(&self, table: &str) -> Error {
        Error::TableExists {
            table: table.to_string(),
            location: self.location(),
        }
    }
}

/// The SQL type of a column of `kind` in `dialect`, times stored as `time` says.
fn column_type(d: Dialect, kind: Kind, time: TimeForm) -> &'static str {
    use Dialect::*;
    match (kind, d) {
        (Kind::Id | Kind::Integer, Postgres) => "bigint",
        (Kind::Id | Kind::Integer, Mysql) => "BIGINT",
        (Kind::Id | Kind::Integer, Sqlite) => "INTEGER",
        (Kind::Text | Kind::Payload, Postgres) => "text",
        (Kind::Text, Mysql) => "VARCHAR(191)",
        (Kind::Payload, Mysql) => "LONGTEXT",
        (Kind::Text | Kind::Payload | Kind::Uuid, Sqlite) => "TEXT",
        (Kind::Uuid, Postgres) => "uuid",
        (Kind::Uuid, Mysql) => "CHAR(36)",
        (Kind::Binary, Postgres) => "bytea",
        (Kind::Binary, Mysql) => "BINARY(16)",
        (Kind::Binary, Sqlite) => "BLOB",
        (Kind::Time, _) => match (time, d) {
            (TimeForm::EpochMillis, Postgres) => "bigint",
            (TimeForm::EpochMillis, Mysql) => "BIGINT",
            (TimeForm::EpochMillis, Sqlite) => "INTEGER",
            (TimeForm::Naive | TimeForm::Zoned, Postgres) => "timestamptz",
            (TimeForm::Local, Postgres) => "timestamp",
            (TimeForm::Naive, Mysql) => "DATETIME(3)",
            (TimeForm::Zoned, Mysql) => "TIMESTAMP(6)",
            (TimeForm::Local, Mysql) => "DATETIME(6)",
            (_, Sqlite) => "TEXT",
        },
    }
}

fn quoted_list(d: Dialect, columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| quote_ident(d, c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The two table names, quoted for one dialect, the shape's columns, and the
/// templates rendered with them.
struct Quoted {
    dialect: Dialect,
    results: String,
    log: String,
    shape: Shape,
    results_table: ShapeTable,
    log_table: ShapeTable,
}

impl Quoted {
    fn new(dialect: Dialect, tables: &Tables) -> Quoted {
        Quoted {
            dialect,
            results: quote_ident(dialect, &tables.results),
            log: quote_ident(dialect, &tables.log),
            shape: tables.shape,
            results_table: tables.shape.results(),
            log_table: tables.shape.log(),
        }
    }

    /// `extra` are the fragments only some templates have (an index name, a batch's
    /// placeholders).
    fn render(&self, template: &str, extra: &[(&str, &str)]) -> String {
        let mut fragments = vec![("results", self.results.as_str()), ("log", &self.log)];
        fragments.extend_from_slice(extra);
        render(self.dialect, template, &fragments, &[]).0
    }

    /// A table's column definitions and primary key, and (SQLite, which takes a
    /// foreign key only in CREATE TABLE) its foreign key.
    fn definitions(&self, t: &ShapeTable) -> String {
        let d = self.dialect;
        let mut parts: Vec<String> = t
            .columns
            .iter()
            .map(|c| {
                let null = if c.nullable { "" } else { " NOT NULL" };
                format!(
                    "{} {}{null}",
                    quote_ident(d, c.name),
                    column_type(d, c.kind, self.shape.time)
                )
            })
            .collect();
        if !t.primary_key.is_empty() {
            parts.push(format!("PRIMARY KEY ({})", quoted_list(d, &t.primary_key)));
        }
        if d == Dialect::Sqlite && !t.references.is_empty() {
            parts.push(self.foreign_key_clause());
        }
        parts.join(", ")
    }

    fn foreign_key_clause(&self) -> String {
        let d = self.dialect;
        format!(
            "FOREIGN KEY ({}) REFERENCES {} ({})",
            quoted_list(d, &self.results_table.references),
            self.log,
            quoted_list(d, &self.log_table.primary_key)
        )
    }

    fn schema(&self, template: &str) -> String {
        let (r, l) = (
            self.definitions(&self.results_table),
            self.definitions(&self.log_table),
        );
        self.render(template, &[("results_columns", &r), ("log_columns", &l)])
    }

    /// The index on the results' key, when the shape has one.
    fn index(&self, template: &str, extra: &[(&str, &str)]) -> Option<String> {
        let t = &self.results_table;
        if t.index.is_empty() {
            return None;
        }
        let columns = quoted_list(self.dialect, &t.index);
        let mut fragments = vec![("index_columns", columns.as_str())];
        fragments.extend_from_slice(extra);
        Some(self.render(template, &fragments))
    }

    /// The foreign key added after the rows (PostgreSQL, MySQL), when there is one.
    fn foreign_key(&self, template: &str) -> Option<String> {
        let t = &self.results_table;
        if t.references.is_empty() {
            return None;
        }
        let d = self.dialect;
        let (c, l) = (
            quoted_list(d, &t.references),
            quoted_list(d, &self.log_table.primary_key),
        );
        Some(self.render(template, &[("columns", &c), ("log_columns", &l)]))
    }

    /// A statement writing rows into one table: `table` is `results` or `log`.
    fn rows_statement(&self, template: &str, results: bool, rows: &str) -> String {
        let (table, t) = match results {
            true => (&self.results, &self.results_table),
            false => (&self.log, &self.log_table),
        };
        let names: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
        let columns = quoted_list(self.dialect, &names);
        render(
            self.dialect,
            template,
            &[("table", table), ("columns", &columns), ("rows", rows)],
            &[],
        )
        .0
    }
}

fn creating(tables: &Tables) -> String {
    format!("creating tables `{}` and `{}`", tables.results, tables.log)
}

async fn load_postgres(
    target: &Target<'_>,
    rows: &Rows<'_>,
    tables: &Tables,
    replace: bool,
) -> Result<LoadStats, Error> {
    use q::postgres as q;
    let sql = Quoted::new(Dialect::Postgres, tables);
    let mut conn = PgConnectOptions::from_str(target.url)
        .map_err(target.connect_failed())?
        .connect()
        .await
        .map_err(target.connect_failed())?;
    let mut tx = conn
        .begin()
        .await
        .map_err(target.failed("starting a transaction".into()))?;
    for table in [&tables.results, &tables.log] {
        let found: i64 = sqlx::query_scalar(q::EXISTS)
            .bind(table)
            .fetch_one(&mut *tx)
            .await
            .map_err(target.failed(format!("looking for table `{table}`")))?;
        if found > 0 && !replace {
            return Err(target.exists(table));
        }
    }
    if replace {
        sqlx::raw_sql(&sql.render(q::DROP, &[]))
            .execute(&mut *tx)
            .await
            .map_err(target.failed("dropping the old tables".into()))?;
    }
    sqlx::raw_sql(&sql.schema(q::SCHEMA))
        .execute(&mut *tx)
        .await
        .map_err(target.failed(creating(tables)))?;
    let shape = tables.shape;
    let result_rows = copy(
        &mut tx,
        &sql.rows_statement(q::COPY, true, ""),
        rows.results.iter().map(|r| shape.result_values(r)),
        shape.time,
    )
    .await
    .map_err(target.failed(format!("copying rows into `{}`", tables.results)))?;
    let log_rows = copy(
        &mut tx,
        &sql.rows_statement(q::COPY, false, ""),
        rows.log.iter().map(|l| shape.log_values(l)),
        shape.time,
    )
    .await
    .map_err(target.failed(format!("copying rows into `{}`", tables.log)))?;
    for statement in [sql.index(q::INDEX, &[]), sql.foreign_key(q::FOREIGN_KEY)]
        .into_iter()
        .flatten()
    {
        sqlx::raw_sql(&statement)
            .execute(&mut *tx)
            .await
            .map_err(target.failed(format!("indexing `{}`", tables.results)))?;
    }
    tx.commit()
        .await
        .map_err(target.failed("committing".into()))?;
    conn.close()
        .await
        .map_err(target.failed("closing the connection".into()))?;
    Ok(LoadStats {
        result_rows,
        log_rows,
    })
}

/// Streams `rows` through `COPY ... FROM STDIN` as CSV, a chunk at a time.
async fn copy<'a>(
    conn: &mut PgConnection,
    statement: &str,
    rows: impl Iterator<Item = Vec<Value<'a>>>,
    time: TimeForm,
) -> Result<u64, sqlx::Error> {
    let mut copy = conn.copy_in_raw(statement).await?;
    let mut buf = Vec::with_capacity(COPY_CHUNK_BYTES);
    for row in rows {
        csv_row(&mut buf, &row, time);
        if buf.len() >= COPY_CHUNK_BYTES {
            copy.send(buf.as_slice()).await?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        copy.send(buf.as_slice()).await?;
    }
    copy.finish().await
}

/// One row of PostgreSQL's CSV: an unquoted empty field is NULL, a quoted one ''.
fn csv_row(buf: &mut Vec<u8>, row: &[Value<'_>], time: TimeForm) {
    for (i, value) in row.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        // Writing to a Vec cannot fail.
        let _ = match value {
            Value::Null => Ok(()),
            Value::Int(n) => write!(buf, "{n}"),
            Value::Text(text) => {
                csv_text(buf, text);
                Ok(())
            }
            Value::Bytes(b) => write!(buf, "\\x{}", hex(b)),
            Value::Time(t) => match time {
                // With an explicit offset, so the session's time zone cannot shift it.
                TimeForm::Naive => write!(buf, "{}", t.format("%Y-%m-%d %H:%M:%S%.6f+00")),
                TimeForm::Zoned => write!(buf, "{}", zoned(*t).format("%Y-%m-%d %H:%M:%S%.6f%:z")),
                TimeForm::Local => write!(buf, "{}", local(*t).format("%Y-%m-%d %H:%M:%S%.6f")),
                TimeForm::EpochMillis => write!(buf, "{}", t.timestamp_millis()),
            },
        };
    }
    buf.push(b'\n');
}

/// Always quoted, quotes doubled: commas, newlines and a lone `\.` line inside a
/// payload are then plain data.
fn csv_text(buf: &mut Vec<u8>, text: &str) {
    buf.push(b'"');
    let mut parts = text.split('"');
    if let Some(first) = parts.next() {
        buf.extend_from_slice(first.as_bytes());
    }
    for part in parts {
        buf.extend_from_slice(b"\"\"");
        buf.extend_from_slice(part.as_bytes());
    }
    buf.push(b'"');
}

async fn load_mysql(
    target: &Target<'_>,
    rows: &Rows<'_>,
    tables: &Tables,
    replace: bool,
) -> Result<LoadStats, Error> {
    use q::mysql as q;
    let sql = Quoted::new(Dialect::Mysql, tables);
    // sqlx sets the session's time zone to UTC: TIMESTAMP columns store what is bound.
    let mut conn = MySqlConnectOptions::from_str(target.url)
        .map_err(target.connect_failed())?
        .connect()
        .await
        .map_err(target.connect_failed())?;
    for table in [&tables.results, &tables.log] {
        let found: i64 = sqlx::query_scalar(q::EXISTS)
            .bind(table)
            .fetch_one(&mut conn)
            .await
            .map_err(target.failed(format!("looking for table `{table}`")))?;
        if found > 0 && !replace {
            return Err(target.exists(table));
        }
    }
    // MySQL commits each DROP and CREATE on its own, whatever transaction is open:
    // only the rows can be written in one transaction.
    if replace {
        sqlx::raw_sql(&sql.render(q::DROP, &[]))
            .execute(&mut conn)
            .await
            .map_err(target.failed("dropping the old tables".into()))?;
    }
    sqlx::raw_sql(&sql.schema(q::SCHEMA))
        .execute(&mut conn)
        .await
        .map_err(target.failed(creating(tables)))?;
    let filled = fill_mysql(&mut conn, target, &sql, rows, tables).await;
    if filled.is_err() {
        // The load's own error is the one to report; if this cleanup fails too, the
        // empty tables it leaves are named in that error and --replace clears them.
        let _ = sqlx::raw_sql(&sql.render(q::DROP, &[]))
            .execute(&mut conn)
            .await;
    }
    let stats = filled?;
    conn.close()
        .await
        .map_err(target.failed("closing the connection".into()))?;
    Ok(stats)
}

/// Steps 3 and 4 on MySQL, after the tables exist.
async fn fill_mysql(
    conn: &mut MySqlConnection,
    target: &Target<'_>,
    sql: &Quoted,
    rows: &Rows<'_>,
    tables: &Tables,
) -> Result<LoadStats, Error> {
    let shape = tables.shape;
    let mut tx = conn
        .begin()
        .await
        .map_err(target.failed("starting a transaction".into()))?;
    let result_rows = insert_batches(
        &mut tx,
        sql,
        true,
        rows.results,
        |r| r.operation_name.len() + r.attempt_id.len() + r.payload.text().len() + 64,
        |query, r| {
            shape
                .result_values(r)
                .into_iter()
                .fold(query, |q, v| bind_mysql(q, v, shape.time))
        },
    )
    .await
    .map_err(target.failed(format!("inserting rows into `{}`", tables.results)))?;
    let log_rows = insert_batches(
        &mut tx,
        sql,
        false,
        &rows.log,
        |l| l.idempotency_key.len() + l.attempt_id.len() + l.operation_name.len() + 64,
        |query, l| {
            shape
                .log_values(l)
                .into_iter()
                .fold(query, |q, v| bind_mysql(q, v, shape.time))
        },
    )
    .await
    .map_err(target.failed(format!("inserting rows into `{}`", tables.log)))?;
    tx.commit()
        .await
        .map_err(target.failed("committing".into()))?;
    if let Some(index) = sql.index(q::mysql::INDEX, &[]) {
        sqlx::raw_sql(&index)
            .execute(&mut *conn)
            .await
            .map_err(target.failed(format!("indexing `{}`", tables.results)))?;
    }
    if let Some(key) = sql.foreign_key(q::mysql::FOREIGN_KEY) {
        sqlx::raw_sql(&format!("{};\n{key}", q::mysql::CHECKS_OFF))
            .execute(&mut *conn)
            .await
            .map_err(target.failed(format!("adding the foreign key of `{}`", tables.results)))?;
    }
    Ok(LoadStats {
        result_rows,
        log_rows,
    })
}

/// Binds one value for MySQL. Times are bound as UTC (or, for a local shape, New
/// York) wall-clock times: sqlx sets the session's time zone to UTC, so a TIMESTAMP
/// column stores the instant bound.
fn bind_mysql<'q>(
    query: Query<'q, MySql, MySqlArguments>,
    value: Value<'q>,
    time: TimeForm,
) -> Query<'q, MySql, MySqlArguments> {
    match value {
        Value::Null => query.bind(None::<String>),
        Value::Int(n) => query.bind(n),
        Value::Text(text) => query.bind(text.into_owned()),
        Value::Bytes(b) => query.bind(b.to_vec()),
        Value::Time(t) => match time {
            TimeForm::Naive | TimeForm::Zoned => query.bind(t.naive_utc()),
            TimeForm::Local => query.bind(local(t)),
            TimeForm::EpochMillis => query.bind(t.timestamp_millis()),
        },
    }
}

/// Inserts `rows` with multi-row INSERTs of up to [`MYSQL_BATCH_ROWS`] rows and
/// about [`MYSQL_BATCH_BYTES`] bytes (as `size` estimates them).
async fn insert_batches<T>(
    conn: &mut MySqlConnection,
    sql: &Quoted,
    results: bool,
    rows: &[T],
    size: impl Fn(&T) -> usize,
    bind: impl for<'q> Fn(Query<'q, MySql, MySqlArguments>, &'q T) -> Query<'q, MySql, MySqlArguments>,
) -> Result<u64, sqlx::Error> {
    let width = match results {
        true => sql.results_table.columns.len(),
        false => sql.log_table.columns.len(),
    };
    let render_rows = |n: usize| {
        sql.rows_statement(
            q::mysql::INSERT,
            results,
            &row_values(Dialect::Mysql, n, width),
        )
    };
    let full = render_rows(MYSQL_BATCH_ROWS);
    let mut written = 0;
    let mut rest = rows;
    while !rest.is_empty() {
        let mut n = 0;
        let mut bytes = 0;
        while n < rest.len() && n < MYSQL_BATCH_ROWS && (n == 0 || bytes < MYSQL_BATCH_BYTES) {
            bytes += size(&rest[n]);
            n += 1;
        }
        let (batch, tail) = rest.split_at(n);
        rest = tail;
        // Full batches share one prepared statement; a short batch is prepared once
        // and not kept, so long payloads cannot fill the statement cache.
        let short;
        let statement = if n == MYSQL_BATCH_ROWS {
            full.as_str()
        } else {
            short = render_rows(n);
            short.as_str()
        };
        let query = batch
            .iter()
            .fold(sqlx::query(statement), &bind)
            .persistent(n == MYSQL_BATCH_ROWS);
        written += query.execute(&mut *conn).await?.rows_affected();
    }
    Ok(written)
}

async fn load_sqlite(
    target: &Target<'_>,
    rows: &Rows<'_>,
    tables: &Tables,
    replace: bool,
) -> Result<LoadStats, Error> {
    // SQLite index names share one namespace per database: derive it from the table.
    let index = quote_ident(Dialect::Sqlite, &format!("{}_key", tables.results));
    let sql = Quoted::new(Dialect::Sqlite, tables);
    // create_if_missing: `load` is how a newcomer gets a database in the first place.
    // Foreign keys unchecked: a shape with one holds rows it does not hold for.
    let mut conn = SqliteConnectOptions::from_str(target.url)
        .map_err(target.connect_failed())?
        .create_if_missing(true)
        .foreign_keys(false)
        // The load is one transaction: a cache that holds it keeps SQLite from
        // spilling pages to the journal and writing them twice (a quarter of a GB
        // at most; a load of millions of rows took half its time in the kernel).
        .pragma("cache_size", "-262144")
        .connect()
        .await
        .map_err(target.connect_failed())?;
    // The load runs on the connection, which is closed whatever its outcome: a
    // dropped SQLite connection lets go of the file only once its worker thread
    // gets to it, and the next open of the file would find it locked. Closing, not
    // dropping, also checkpoints a database in WAL mode into its file.
    let loaded = fill_sqlite(&mut conn, target, rows, tables, replace, &sql, &index).await;
    let closed = conn
        .close()
        .await
        .map_err(target.failed("closing the database".into()));
    let stats = loaded?;
    closed?;
    Ok(stats)
}

/// The tables of a SQLite load created and filled in one transaction on `conn`.
async fn fill_sqlite(
    conn: &mut sqlx::SqliteConnection,
    target: &Target<'_>,
    rows: &Rows<'_>,
    tables: &Tables,
    replace: bool,
    sql: &Quoted,
    index: &str,
) -> Result<LoadStats, Error> {
    use q::sqlite as q;
    let mut tx = conn
        .begin()
        .await
        .map_err(target.failed("starting a transaction".into()))?;
    for table in [&tables.results, &tables.log] {
        let found: i64 = sqlx::query_scalar(q::EXISTS)
            .bind(table)
            .fetch_one(&mut *tx)
            .await
            .map_err(target.failed(format!("looking for table `{table}`")))?;
        if found > 0 && !replace {
            return Err(target.exists(table));
        }
    }
    if replace {
        sqlx::raw_sql(&sql.render(q::DROP, &[]))
            .execute(&mut *tx)
            .await
            .map_err(target.failed("dropping the old tables".into()))?;
    }
    sqlx::raw_sql(&sql.schema(q::SCHEMA))
        .execute(&mut *tx)
        .await
        .map_err(target.failed(creating(tables)))?;
    let shape = tables.shape;
    let result_rows = insert_chunks(&mut tx, sql, true, rows.results, |query, r| {
        shape
            .result_values(r)
            .into_iter()
            .fold(query, |q, v| bind_sqlite(q, v, shape.time))
    })
    .await
    .map_err(target.failed(format!("inserting rows into `{}`", tables.results)))?;
    let log_rows = insert_chunks(&mut tx, sql, false, &rows.log, |query, l| {
        shape
            .log_values(l)
            .into_iter()
            .fold(query, |q, v| bind_sqlite(q, v, shape.time))
    })
    .await
    .map_err(target.failed(format!("inserting rows into `{}`", tables.log)))?;
    if let Some(statement) = sql.index(q::INDEX, &[("results_index", index)]) {
        sqlx::raw_sql(&statement)
            .execute(&mut *tx)
            .await
            .map_err(target.failed(format!("indexing `{}`", tables.results)))?;
    }
    tx.commit()
        .await
        .map_err(target.failed("committing".into()))?;
    Ok(LoadStats {
        result_rows,
        log_rows,
    })
}

/// Binds one value for SQLite: times as the shape's text, or integer milliseconds.
fn bind_sqlite<'q>(
    query: Query<'q, Sqlite, SqliteArguments<'q>>,
    value: Value<'q>,
    time: TimeForm,
) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    match value {
        Value::Null => query.bind(None::<String>),
        Value::Int(n) => query.bind(n),
        Value::Text(text) => query.bind(text.into_owned()),
        Value::Bytes(b) => query.bind(b.to_vec()),
        Value::Time(t) => match time.value(t) {
            Value::Int(n) => query.bind(n),
            Value::Text(text) => query.bind(text.into_owned()),
            _ => unreachable!("a time is text or a number"),
        },
    }
}

/// One prepared INSERT, executed once per row.
async fn insert_chunks<T>(
    conn: &mut SqliteConnection,
    sql: &Quoted,
    results: bool,
    rows: &[T],
    bind: impl for<'q> Fn(
        Query<'q, Sqlite, SqliteArguments<'q>>,
        &'q T,
    ) -> Query<'q, Sqlite, SqliteArguments<'q>>,
) -> Result<u64, sqlx::Error> {
    let width = match results {
        true => sql.results_table.columns.len(),
        false => sql.log_table.columns.len(),
    };
    let statement = |n: usize| {
        sql.rows_statement(
            q::sqlite::INSERT,
            results,
            &row_values(Dialect::Sqlite, n, width),
        )
    };
    let full = statement(SQLITE_BATCH_ROWS);
    let mut written = 0;
    for chunk in rows.chunks(SQLITE_BATCH_ROWS) {
        let short;
        let text = match chunk.len() == SQLITE_BATCH_ROWS {
            true => full.as_str(),
            false => {
                short = statement(chunk.len());
                short.as_str()
            }
        };
        written += chunk
            .iter()
            .fold(sqlx::query(text), &bind)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn row(key: Option<&str>, payload: &str) -> GenRow {
        GenRow {
            id: 7,
            operation_name: "summarize".into(),
            idempotency_key: key.map(String::from),
            attempt_id: "att-1".into(),
            payload: payload.into(),
            created_at: Utc.with_ymd_and_hms(2026, 10, 14, 14, 2, 0).unwrap(),
        }
    }

    fn csv(r: &GenRow) -> String {
        let shape = Shape::default();
        let mut buf = Vec::new();
        csv_row(&mut buf, &shape.result_values(r), shape.time);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn csv_quotes_every_text_and_doubles_quotes() {
        let text = csv(&row(Some("k,1"), "{\"a\": \"x,\ny\"}\n\\.\n"));
        assert_eq!(
            text,
            "7,\"summarize\",\"k,1\",\"att-1\",\"{\"\"a\"\": \"\"x,\ny\"\"}\n\\.\n\",2026-10-14 14:02:00.000000+00\n"
        );
    }

    #[test]
    fn csv_tells_a_null_key_from_an_empty_one() {
        assert!(csv(&row(None, "p")).contains(",\"summarize\",,\"att-1\","));
        assert!(csv(&row(Some(""), "p")).contains(",\"summarize\",\"\",\"att-1\","));
    }

    #[test]
    fn a_shape_writes_its_own_column_types() {
        let t = Tables {
            shape: Shape {
                key: crate::generate::shape::KeyType::Binary,
                time: TimeForm::Zoned,
                ..Shape::default()
            },
            ..Tables::default()
        };
        let mysql = Quoted::new(Dialect::Mysql, &t).schema(q::mysql::SCHEMA);
        assert!(
            mysql.contains("`idempotency_key` BINARY(16)")
                && mysql.contains("`created_at` TIMESTAMP(6) NOT NULL"),
            "{mysql}"
        );
        let pg = Quoted::new(Dialect::Postgres, &t).schema(q::postgres::SCHEMA);
        assert!(pg.contains("\"idempotency_key\" bytea"), "{pg}");
        let mut buf = Vec::new();
        csv_row(
            &mut buf,
            &[
                Value::Bytes([0xab; 16]),
                Value::Time(Utc.with_ymd_and_hms(2026, 10, 14, 14, 2, 0).unwrap()),
            ],
            TimeForm::Zoned,
        );
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            format!("\\x{},2026-10-14 16:02:00.000000+02:00\n", "ab".repeat(16))
        );
    }

    #[test]
    fn secrets_are_removed_from_driver_messages() {
        let url = "postgres://app:p%40ss@db:5432/prod?password=other";
        let message = format!("failed for {url}: bad password p@ss, also p%40ss and other");
        let clean = redact_secrets(&message, url);
        assert!(
            !clean.contains("p@ss") && !clean.contains("p%40ss"),
            "{clean}"
        );
        assert!(!clean.contains("other"), "{clean}");
        assert!(clean.contains("postgres://app@db:5432/prod"), "{clean}");
        let odd = redact_secrets("oops u:hunter2@@h", "weird://u:hunter2@@h");
        assert!(!odd.contains("hunter2"), "{odd}");
    }

    #[test]
    fn only_known_schemes_are_loaded() {
        assert_eq!(dialect_of("PostgreSQL://h/db").unwrap(), Dialect::Postgres);
        assert_eq!(dialect_of("mariadb://h/db").unwrap(), Dialect::Mysql);
        assert_eq!(dialect_of("sqlite://x.db").unwrap(), Dialect::Sqlite);
        let err = dialect_of("oracle://u:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("oracle://u@h/db") && !err.contains("secret"),
            "{err}"
        );
    }

    #[test]
    fn results_and_log_must_be_different_tables() {
        let same = Tables {
            results: "t".into(),
            log: "t".into(),
            ..Tables::default()
        };
        assert!(same.validate().unwrap_err().to_string().contains("`t`"));
        let control = Tables {
            results: "a\nb".into(),
            ..Tables::default()
        };
        assert!(control
            .validate()
            .unwrap_err()
            .to_string()
            .contains("results table"));
    }
}
