//! Loading an incident into a database, so that dupaudit can be tried against any
//! server in one line and tests can fill a database of their own.
//!
//! In: a database URL (`postgres://`, `mysql://` or `mariadb://`, `sqlite://`), an
//! [`Incident`] and the [`Tables`] to create. Out: the two tables, created with the
//! SQL in `queries/<dialect>/load_*.sql`, filled and indexed, and the row counts the
//! database reported ([`LoadStats`]).
//!
//! Steps, in one transaction where the dialect allows it (PostgreSQL, SQLite):
//! 1. Refuse tables that exist, unless asked to replace them; then drop them.
//! 2. Create the tables.
//! 3. Write the rows: COPY on PostgreSQL, multi-row INSERT batches on MySQL, one
//!    prepared INSERT per row on SQLite (in-process, so a round trip costs little).
//! 4. Create the index, after the rows: one sort instead of a b-tree insert per row.
//! 5. Commit.

use std::io::Write;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::mysql::{MySql, MySqlArguments, MySqlConnectOptions, MySqlConnection};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::query::Query;
use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

use crate::error::Error;
use crate::generate::{text_time, GenLog, GenRow, Incident};
use crate::source::{redact_secrets, redact_url};
use crate::sql::{quote_ident, render, row_values, validate_identifier, Dialect};

mod q {
    pub mod postgres {
        pub const EXISTS: &str = include_str!("../queries/postgres/load_exists.sql");
        pub const DROP: &str = include_str!("../queries/postgres/load_drop.sql");
        pub const SCHEMA: &str = include_str!("../queries/postgres/load_schema.sql");
        pub const COPY_RESULT: &str = include_str!("../queries/postgres/load_copy_result.sql");
        pub const COPY_LOG: &str = include_str!("../queries/postgres/load_copy_log.sql");
        pub const INDEX: &str = include_str!("../queries/postgres/load_index.sql");
    }
    pub mod mysql {
        pub const EXISTS: &str = include_str!("../queries/mysql/load_exists.sql");
        pub const DROP: &str = include_str!("../queries/mysql/load_drop.sql");
        pub const SCHEMA: &str = include_str!("../queries/mysql/load_schema.sql");
        pub const INSERT_RESULT: &str = include_str!("../queries/mysql/load_insert_result.sql");
        pub const INSERT_LOG: &str = include_str!("../queries/mysql/load_insert_log.sql");
        pub const INDEX: &str = include_str!("../queries/mysql/load_index.sql");
    }
    pub mod sqlite {
        pub const EXISTS: &str = include_str!("../queries/sqlite/load_exists.sql");
        pub const DROP: &str = include_str!("../queries/sqlite/load_drop.sql");
        pub const SCHEMA: &str = include_str!("../queries/sqlite/load_schema.sql");
        pub const INSERT_RESULT: &str = include_str!("../queries/sqlite/load_insert_result.sql");
        pub const INSERT_LOG: &str = include_str!("../queries/sqlite/load_insert_log.sql");
        pub const INDEX: &str = include_str!("../queries/sqlite/load_index.sql");
    }
}

/// Columns of one row in either table; the INSERT and COPY templates list six.
const COLUMNS: usize = 6;

/// MySQL refuses a prepared statement with more placeholders than this.
const MYSQL_MAX_PLACEHOLDERS: usize = 65_535;

/// Rows per MySQL INSERT: enough that round trips stop mattering.
const MYSQL_BATCH_ROWS: usize = 2_000;
const _: () = assert!(MYSQL_BATCH_ROWS * COLUMNS <= MYSQL_MAX_PLACEHOLDERS);

/// Bytes of values per MySQL INSERT, so that long payloads still fit the 4 MiB
/// `max_allowed_packet` of older servers.
const MYSQL_BATCH_BYTES: usize = 2 << 20;

/// Bytes of CSV handed to PostgreSQL per COPY message: memory stays flat however
/// many rows there are.
const COPY_CHUNK_BYTES: usize = 1 << 20;

/// The names of the two tables to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    pub results: String,
    pub log: String,
}

impl Default for Tables {
    /// The names the default spec reads: `results` and `idempotency_log`.
    fn default() -> Self {
        Tables {
            results: "results".into(),
            log: "idempotency_log".into(),
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
    let scheme = url
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match scheme.as_str() {
        "postgres" | "postgresql" => Ok(Dialect::Postgres),
        "mysql" | "mariadb" => Ok(Dialect::Mysql),
        "sqlite" => Ok(Dialect::Sqlite),
        _ => Err(Error::Usage(format!(
            "`{}` is not a database URL dupaudit can load into; use postgres://, mysql:// or sqlite://",
            redact_url(url)
        ))),
    }
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

/// The two table names, quoted for one dialect, and the templates rendered with them.
struct Quoted {
    dialect: Dialect,
    results: String,
    log: String,
}

impl Quoted {
    fn new(dialect: Dialect, tables: &Tables) -> Quoted {
        Quoted {
            dialect,
            results: quote_ident(dialect, &tables.results),
            log: quote_ident(dialect, &tables.log),
        }
    }

    /// `extra` are the fragments only some templates have (an index name, a batch's
    /// placeholders).
    fn render(&self, template: &str, extra: &[(&str, &str)]) -> String {
        let mut fragments = vec![("results", self.results.as_str()), ("log", &self.log)];
        fragments.extend_from_slice(extra);
        render(self.dialect, template, &fragments, &[]).0
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
    sqlx::raw_sql(&sql.render(q::SCHEMA, &[]))
        .execute(&mut *tx)
        .await
        .map_err(target.failed(creating(tables)))?;
    let result_rows = copy(
        &mut tx,
        &sql.render(q::COPY_RESULT, &[]),
        rows.results,
        csv_result,
    )
    .await
    .map_err(target.failed(format!("copying rows into `{}`", tables.results)))?;
    let log_rows = copy(&mut tx, &sql.render(q::COPY_LOG, &[]), &rows.log, csv_log)
        .await
        .map_err(target.failed(format!("copying rows into `{}`", tables.log)))?;
    sqlx::raw_sql(&sql.render(q::INDEX, &[]))
        .execute(&mut *tx)
        .await
        .map_err(target.failed(format!("indexing `{}`", tables.results)))?;
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
async fn copy<T>(
    conn: &mut PgConnection,
    statement: &str,
    rows: &[T],
    write: fn(&mut Vec<u8>, &T),
) -> Result<u64, sqlx::Error> {
    let mut copy = conn.copy_in_raw(statement).await?;
    let mut buf = Vec::with_capacity(COPY_CHUNK_BYTES);
    for row in rows {
        write(&mut buf, row);
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

fn csv_result(buf: &mut Vec<u8>, r: &GenRow) {
    // Writing to a Vec cannot fail.
    let _ = write!(buf, "{},", r.id);
    csv_text(buf, &r.operation_name);
    buf.push(b',');
    // An unquoted empty field is NULL in PostgreSQL's CSV; a quoted one is ''.
    if let Some(key) = &r.idempotency_key {
        csv_text(buf, key);
    }
    buf.push(b',');
    csv_text(buf, &r.attempt_id);
    buf.push(b',');
    csv_text(buf, &r.payload.text());
    buf.push(b',');
    csv_time(buf, r.created_at);
    buf.push(b'\n');
}

fn csv_log(buf: &mut Vec<u8>, l: &&GenLog) {
    for text in [&l.idempotency_key, &l.attempt_id, &l.operation_name] {
        csv_text(buf, text);
        buf.push(b',');
    }
    csv_text(buf, l.status);
    buf.push(b',');
    csv_time(buf, l.created_at);
    buf.push(b',');
    csv_time(buf, l.updated_at);
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

/// With an explicit UTC offset, so the session's time zone cannot shift it.
fn csv_time(buf: &mut Vec<u8>, t: DateTime<Utc>) {
    // Writing to a Vec cannot fail.
    let _ = write!(buf, "{}", t.format("%Y-%m-%d %H:%M:%S%.6f+00"));
}

async fn load_mysql(
    target: &Target<'_>,
    rows: &Rows<'_>,
    tables: &Tables,
    replace: bool,
) -> Result<LoadStats, Error> {
    use q::mysql as q;
    let sql = Quoted::new(Dialect::Mysql, tables);
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
    sqlx::raw_sql(&sql.render(q::SCHEMA, &[]))
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
    let mut tx = conn
        .begin()
        .await
        .map_err(target.failed("starting a transaction".into()))?;
    let result_rows = insert_batches(
        &mut tx,
        sql,
        q::mysql::INSERT_RESULT,
        rows.results,
        |r| r.operation_name.len() + r.attempt_id.len() + r.payload.text().len() + 64,
        |query, r| {
            query
                .bind(r.id)
                .bind(&r.operation_name)
                .bind(&r.idempotency_key)
                .bind(&r.attempt_id)
                .bind(r.payload.text().into_owned())
                .bind(r.created_at.naive_utc())
        },
    )
    .await
    .map_err(target.failed(format!("inserting rows into `{}`", tables.results)))?;
    let log_rows = insert_batches(
        &mut tx,
        sql,
        q::mysql::INSERT_LOG,
        &rows.log,
        |l| l.idempotency_key.len() + l.attempt_id.len() + l.operation_name.len() + 64,
        |query, l| {
            query
                .bind(&l.idempotency_key)
                .bind(&l.attempt_id)
                .bind(&l.operation_name)
                .bind(l.status)
                .bind(l.created_at.naive_utc())
                .bind(l.updated_at.naive_utc())
        },
    )
    .await
    .map_err(target.failed(format!("inserting rows into `{}`", tables.log)))?;
    tx.commit()
        .await
        .map_err(target.failed("committing".into()))?;
    sqlx::raw_sql(&sql.render(q::mysql::INDEX, &[]))
        .execute(&mut *conn)
        .await
        .map_err(target.failed(format!("indexing `{}`", tables.results)))?;
    Ok(LoadStats {
        result_rows,
        log_rows,
    })
}

/// Inserts `rows` with multi-row INSERTs of up to [`MYSQL_BATCH_ROWS`] rows and
/// about [`MYSQL_BATCH_BYTES`] bytes (as `size` estimates them).
async fn insert_batches<T>(
    conn: &mut MySqlConnection,
    sql: &Quoted,
    template: &str,
    rows: &[T],
    size: impl Fn(&T) -> usize,
    bind: impl for<'q> Fn(Query<'q, MySql, MySqlArguments>, &'q T) -> Query<'q, MySql, MySqlArguments>,
) -> Result<u64, sqlx::Error> {
    let render_rows = |n: usize| {
        sql.render(
            template,
            &[("rows", &row_values(Dialect::Mysql, n, COLUMNS))],
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
    use q::sqlite as q;
    // SQLite index names share one namespace per database: derive it from the table.
    let index = quote_ident(Dialect::Sqlite, &format!("{}_key", tables.results));
    let sql = Quoted::new(Dialect::Sqlite, tables);
    // create_if_missing: `load` is how a newcomer gets a database in the first place.
    let mut conn = SqliteConnectOptions::from_str(target.url)
        .map_err(target.connect_failed())?
        .create_if_missing(true)
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
    sqlx::raw_sql(&sql.render(q::SCHEMA, &[]))
        .execute(&mut *tx)
        .await
        .map_err(target.failed(creating(tables)))?;
    let insert_result = sql.render(q::INSERT_RESULT, &[]);
    let result_rows = insert_each(&mut tx, &insert_result, rows.results, |query, r| {
        query
            .bind(r.id)
            .bind(&r.operation_name)
            .bind(&r.idempotency_key)
            .bind(&r.attempt_id)
            .bind(r.payload.text().into_owned())
            .bind(text_time(r.created_at))
    })
    .await
    .map_err(target.failed(format!("inserting rows into `{}`", tables.results)))?;
    let insert_log = sql.render(q::INSERT_LOG, &[]);
    let log_rows = insert_each(&mut tx, &insert_log, &rows.log, |query, l| {
        query
            .bind(&l.idempotency_key)
            .bind(&l.attempt_id)
            .bind(&l.operation_name)
            .bind(l.status)
            .bind(text_time(l.created_at))
            .bind(text_time(l.updated_at))
    })
    .await
    .map_err(target.failed(format!("inserting rows into `{}`", tables.log)))?;
    sqlx::raw_sql(&sql.render(q::INDEX, &[("results_index", &index)]))
        .execute(&mut *tx)
        .await
        .map_err(target.failed(format!("indexing `{}`", tables.results)))?;
    tx.commit()
        .await
        .map_err(target.failed("committing".into()))?;
    // Closing, not dropping: a database in WAL mode is checkpointed into its file.
    conn.close()
        .await
        .map_err(target.failed("closing the database".into()))?;
    Ok(LoadStats {
        result_rows,
        log_rows,
    })
}

/// One prepared INSERT, executed once per row.
async fn insert_each<T>(
    conn: &mut SqliteConnection,
    statement: &str,
    rows: &[T],
    bind: impl for<'q> Fn(
        Query<'q, Sqlite, SqliteArguments<'q>>,
        &'q T,
    ) -> Query<'q, Sqlite, SqliteArguments<'q>>,
) -> Result<u64, sqlx::Error> {
    let mut written = 0;
    for row in rows {
        written += bind(sqlx::query(statement), row)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

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
        let mut buf = Vec::new();
        csv_result(&mut buf, r);
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
