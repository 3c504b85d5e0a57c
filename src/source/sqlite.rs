//! SQLite, the embedded default: opened read-only, so a scan cannot write.
//!
//! In: a `sqlite://` URL and the spec. Out: a [`Dataset`] read with the queries in
//! `queries/sqlite/`, after checking that every table and column the spec names exists.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use futures_util::TryStreamExt;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Row};

use crate::error::Error;
use crate::model::{Dataset, LogProjection, ResultProjection};
use crate::spec::AuditSpec;
use crate::sql::{quote_ident, render, text_projection, Dialect};

const TABLES: &str = include_str!("../../queries/sqlite/tables.sql");
const COLUMNS: &str = include_str!("../../queries/sqlite/columns.sql");
const SELECT_ROWS: &str = include_str!("../../queries/sqlite/select_rows.sql");

/// A SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteSource {
    url: String,
    timeout: Duration,
}

impl SqliteSource {
    /// `base` is the spec's folder when the URL came from the spec: a relative
    /// database path is then taken relative to the spec, not to the working directory.
    pub fn new(url: &str, base: Option<&Path>, timeout: Duration) -> SqliteSource {
        let url = match (base, url.strip_prefix("sqlite://")) {
            (Some(base), Some(path))
                if !path.starts_with('/') && !path.starts_with(':') && base != Path::new("") =>
            {
                format!("sqlite://{}", base.join(path).display())
            }
            _ => url.to_string(),
        };
        SqliteSource { url, timeout }
    }

    pub fn location(&self) -> String {
        self.url.clone()
    }

    async fn connect(&self) -> Result<SqliteConnection, Error> {
        let fail = |e: sqlx::Error| Error::Connect {
            location: self.location(),
            message: e.to_string(),
        };
        // read_only: the scan's guarantee that it never writes, enforced by SQLite.
        // create_if_missing(false): a typo in the path must not create an empty database.
        let opts = SqliteConnectOptions::from_str(&self.url)
            .map_err(fail)?
            .read_only(true)
            .create_if_missing(false)
            .busy_timeout(self.timeout);
        opts.connect().await.map_err(fail)
    }

    pub async fn load(&self, spec: &AuditSpec) -> Result<Dataset, Error> {
        let mut conn = self.connect().await?;
        let results_columns = self.columns(&mut conn, &spec.results.table).await?;
        let payload_columns = spec.results.payload_columns(&results_columns);
        let results_proj = ResultProjection::new(spec, &payload_columns);
        check_columns(
            &spec.results.table,
            &results_columns,
            &results_proj.columns,
            &results_proj.fields,
        )?;
        let log_columns = self.columns(&mut conn, &spec.log.table).await?;
        let log_proj = LogProjection::new(spec);
        check_columns(
            &spec.log.table,
            &log_columns,
            &log_proj.columns,
            &log_proj.fields,
        )?;

        let mut results = Vec::new();
        let sql = select(&spec.results.table, &results_proj.columns);
        {
            let mut rows = sqlx::query(&sql).fetch(&mut conn);
            while let Some(row) = rows.try_next().await.map_err(|e| self.query_error(e))? {
                let cells =
                    cells(&row, results_proj.columns.len()).map_err(|e| self.query_error(e))?;
                results.push(results_proj.row(cells)?);
            }
        }
        let mut log = Vec::new();
        let sql = select(&spec.log.table, &log_proj.columns);
        {
            let mut rows = sqlx::query(&sql).fetch(&mut conn);
            while let Some(row) = rows.try_next().await.map_err(|e| self.query_error(e))? {
                let cells = cells(&row, log_proj.columns.len()).map_err(|e| self.query_error(e))?;
                log.push(log_proj.entry(cells)?);
            }
        }
        // Closing explicitly rather than dropping lets SQLite release the file cleanly.
        conn.close().await.map_err(|e| self.query_error(e))?;
        Ok(Dataset {
            json_columns: payload_columns
                .iter()
                .map(|c| spec.results.json.contains(c))
                .collect(),
            payload_columns,
            results,
            log,
        })
    }

    /// The table's columns; a missing table is an error that lists the tables there are.
    async fn columns(
        &self,
        conn: &mut SqliteConnection,
        table: &str,
    ) -> Result<Vec<String>, Error> {
        let columns: Vec<String> = sqlx::query_scalar(COLUMNS)
            .bind(table)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| self.query_error(e))?;
        if columns.is_empty() {
            let available: Vec<String> = sqlx::query_scalar(TABLES)
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| self.query_error(e))?;
            return Err(Error::MissingTable {
                table: table.to_string(),
                location: self.location(),
                available,
            });
        }
        Ok(columns)
    }

    fn query_error(&self, e: sqlx::Error) -> Error {
        Error::Query {
            location: self.location(),
            message: e.to_string(),
        }
    }
}

fn select(table: &str, columns: &[String]) -> String {
    render(
        SELECT_ROWS,
        &[
            ("columns", &text_projection(Dialect::Sqlite, columns)),
            ("table", &quote_ident(Dialect::Sqlite, table)),
        ],
    )
}

fn cells(row: &sqlx::sqlite::SqliteRow, n: usize) -> Result<Vec<Option<String>>, sqlx::Error> {
    (0..n)
        .map(|i| row.try_get::<Option<String>, _>(i))
        .collect()
}

/// Every column the spec asks for must exist; the error names the spec field and
/// lists the columns the table does have.
pub(crate) fn check_columns(
    table: &str,
    available: &[String],
    wanted: &[String],
    fields: &[String],
) -> Result<(), Error> {
    for (column, field) in wanted.iter().zip(fields) {
        if !available.contains(column) {
            return Err(Error::MissingColumn {
                table: table.to_string(),
                column: column.clone(),
                field: field.clone(),
                available: available.to_vec(),
            });
        }
    }
    Ok(())
}
