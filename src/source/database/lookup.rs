//! Result rows looked up by key, for a log kept outside the database (Redis).
//!
//! In: the spec, then keys a batch at a time. Out: the rows of those keys, the
//! NULL-key rows, every distinct key as a stream, the cross-key copies and the
//! totals of the results table; over the spec's time window, when it has one, the
//! keys of the rows written in it and its totals. Everything is read on one
//! connection in one read-only transaction (one snapshot), so memory grows with a
//! batch and with the findings, not with the table. On PostgreSQL a batch's keys are
//! bound as one array per key column, cast to the column's type, so that one
//! statement of any size is planned once and probes the key's index.

use futures_util::stream::{BoxStream, StreamExt};
use futures_util::TryStreamExt;
use sqlx::postgres::PgConnection;
use sqlx::{AnyConnection, Connection};

use super::{bound, q, DatabaseSource, KeyAccess, Shape, TextRows, Typed};
use crate::canonical::Canonicalizer;
use crate::error::Error;
use crate::model::{Key, LogProjection, ResultProjection, ResultRow};
use crate::progress::Progress;
use crate::spec::AuditSpec;
use crate::sql::{self, Dialect};

use crate::sql::queries::lookup as lq;

/// An open read-only transaction on the results table, answering by key.
pub struct KeyLookup {
    source: DatabaseSource,
    conn: AnyConnection,
    shape: Shape,
    rp: ResultProjection,
    /// The payload columns, in the order of [`ResultRow::payload`].
    pub payload_columns: Vec<String>,
    /// The rows' columns as [`KeyLookup::judged_rows_of`] reads them: the payload
    /// columns cut to those a key's judgement reads.
    judged: Judged,
    keys_sql: String,
    arity: usize,
    /// PostgreSQL: how the results' key is looked up.
    access: Option<KeyAccess>,
    /// PostgreSQL: a connection of the server's own driver in the same snapshot,
    /// which reads the rows of keys and the distinct keys without the Any driver's
    /// copy of each row.
    reader: Option<PgConnection>,
    spec: AuditSpec,
    /// The bounds of the spec's window, as its queries bind them.
    window: Vec<(&'static str, String)>,
}

impl DatabaseSource {
    /// Opens the lookup: connects, begins a read-only transaction and checks the
    /// spec's columns.
    pub async fn key_lookup(&self, spec: &AuditSpec) -> Result<KeyLookup, Error> {
        let mut conn = self.connect().await?;
        if let Err(e) = self.begin_read_only(&mut conn, None).await {
            let _ = conn.close().await;
            return Err(e);
        }
        let results = spec.results.table_name();
        let results_columns = match self.columns(&mut conn, &results).await {
            Ok(c) => c,
            Err(e) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
                let _ = conn.close().await;
                return Err(e);
            }
        };
        let payload_columns = spec.results.payload_columns(&results_columns);
        let rp = ResultProjection::new(spec, &payload_columns);
        super::super::check_columns(
            &results.to_string(),
            &results_columns,
            &rp.columns,
            &rp.fields,
        )?;
        let d = self.dialect;
        let typed = self.results_typed(&mut conn, spec).await?;
        let judged = Judged::new(d, spec, &payload_columns, typed.clone());
        let shape = Shape::new(d, spec, &rp, &LogProjection::new(spec), false, typed);
        let (access, reader) = match d {
            Dialect::Postgres => {
                let mut access = self
                    .key_access(&mut conn, &results, &spec.results.key, "results.key")
                    .await?;
                let t = shape.typed();
                access.compared(&t.results_compared, &t.results_as_text, t.keys);
                let snapshot = sqlx::query_scalar::<_, String>(q::postgres::EXPORT_SNAPSHOT)
                    .fetch_one(&mut conn)
                    .await
                    .map_err(|e| self.error(e))?;
                let millis = self
                    .opts
                    .statement_timeout
                    .map_or(0, |d| d.as_millis() as u64);
                let mut reader: PgConnection = self.connect_as().await?;
                self.begin_postgres(&mut reader, millis, Some(&snapshot))
                    .await?;
                (Some(access), Some(reader))
            }
            _ => (None, None),
        };
        let key = &spec.results.key;
        let projection = super::projection(d, "r", key, key.len(), &shape.typed().results_columns);
        let mut fragments = shape.fragments();
        fragments.push(("r_key_read", &projection));
        let (keys_sql, _) = sql::render(d, lq::DISTINCT_KEYS, &fragments, &[]);
        let window = spec
            .scan
            .window
            .map(|w| shape.typed().window_bounds(d, w))
            .unwrap_or_default();
        Ok(KeyLookup {
            spec: spec.clone(),
            window,
            source: self.clone(),
            conn,
            shape,
            rp,
            payload_columns,
            judged,
            keys_sql,
            arity: spec.results.key.len(),
            access,
            reader,
        })
    }
}

/// The projection of the rows a key is judged by, in a walk that only decides which
/// keys to read whole: every column but the payload's, which two rows of one key
/// need not be compared by (exact or conflict, the key is read whole either way);
/// and the column whose hash a record's `validation` is, when the spec names one.
struct Judged {
    shape: Shape,
    rp: ResultProjection,
    payload_columns: Vec<String>,
    /// The statement of [`KeyLookup::judged_rows`], once rendered.
    rows_sql: String,
}

impl Judged {
    fn new(d: Dialect, spec: &AuditSpec, payload_columns: &[String], typed: Typed) -> Judged {
        let validation = spec.log.redis.as_ref().and_then(|r| r.validation.as_ref());
        let payload_columns: Vec<String> = payload_columns
            .iter()
            .filter(|c| validation.is_some_and(|v| v.column == **c))
            .cloned()
            .collect();
        let rp = ResultProjection::new(spec, &payload_columns);
        let shape = Shape::new(d, spec, &rp, &LogProjection::new(spec), false, typed);
        Judged {
            shape,
            rp,
            payload_columns,
            rows_sql: String::new(),
        }
    }
}

impl KeyLookup {
    /// Every result row of `keys` (any order).
    pub async fn rows_of(&mut self, keys: &[Key]) -> Result<Vec<ResultRow>, Error> {
        self.rows_of_keys(keys, false).await
    }

    /// Every result row of `keys` (any order), with only the payload columns of
    /// [`KeyLookup::judged_payload_columns`]: enough to tell whether a key has a
    /// finding, not what it is.
    pub async fn judged_rows_of(&mut self, keys: &[Key]) -> Result<Vec<ResultRow>, Error> {
        self.rows_of_keys(keys, true).await
    }

    /// Every keyed result row (over the spec's window, those written in it), with
    /// the columns of [`KeyLookup::judged_rows_of`], streamed.
    pub fn judged_rows(&mut self) -> BoxStream<'_, Result<ResultRow, Error>> {
        let d = self.source.dialect;
        let shape = &self.judged.shape;
        let template = super::windowed(d, q::KEYED_ROWS, &self.spec, shape.typed());
        let times: Vec<(&str, &[String])> = self
            .window
            .iter()
            .map(|(name, value)| (*name, std::slice::from_ref(value)))
            .collect();
        let (sql, binds) = sql::render(d, &template, &shape.fragments(), &times);
        self.judged.rows_sql = sql;
        let rp = &self.judged.rp;
        let n = rp.columns.len();
        text_rows(
            &mut self.reader,
            &mut self.conn,
            &self.source,
            &self.judged.rows_sql,
            binds,
        )
        .map(move |cells| rp.row(cells?.into_iter().take(n).collect()))
        .boxed()
    }

    /// The payload columns of the rows [`KeyLookup::judged_rows_of`] reads.
    pub fn judged_payload_columns(&self) -> &[String] {
        &self.judged.payload_columns
    }

    async fn rows_of_keys(&mut self, keys: &[Key], judged: bool) -> Result<Vec<ResultRow>, Error> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let d = self.source.dialect;
        let shape = match judged {
            true => &self.judged.shape,
            false => &self.shape,
        };
        if let Some(access) = &self.access {
            let (predicate, lists) =
                sql::in_list("{r_key}", "r_keys", keys, &access.types, access.indexed);
            let template = sql::compose(
                q::postgres::RESULT_ROWS_FOR_KEYS,
                &[("r_key_in", &predicate)],
            );
            let (sql, binds) = sql::render(d, &template, &shape.fragments(), &sql::named(&lists));
            // The template's first column names the side.
            return self.result_rows_from(&sql, binds, 1, judged).await;
        }
        let (r_key, _) = shape.typed().compared_keys();
        let (sql, binds) = sql::render_rows(
            d,
            lq::ROWS_FOR_KEYS,
            &shape.fragments(),
            &[],
            &[("keys", keys)],
            &[("keys", r_key)],
        );
        self.result_rows_from(&sql, binds, 0, judged).await
    }

    /// The rows whose key has a NULL column (over a window, those written in it).
    pub async fn null_key_rows(&mut self) -> Result<Vec<ResultRow>, Error> {
        let (sql, binds) = self.windowed(q::NULL_KEYS);
        self.result_rows(&sql, binds).await
    }

    /// `template` with the spec's window, rendered, and its binds.
    fn windowed(&self, template: &str) -> (String, Vec<String>) {
        let d = self.source.dialect;
        let template = super::windowed(d, template, &self.spec, self.shape.typed());
        let times: Vec<(&str, &[String])> = self
            .window
            .iter()
            .map(|(name, value)| (*name, std::slice::from_ref(value)))
            .collect();
        sql::render(d, &template, &self.shape.fragments(), &times)
    }

    /// Over the spec's window: the rows written in it and those without a key.
    pub async fn window_totals(&mut self) -> Result<[u64; 2], Error> {
        let (sql, binds) = self.windowed(lq::RESULTS_TOTALS_WINDOW);
        let row = bound(&sql, binds)
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| self.source.error(e))?;
        let count = |i: usize| -> Result<u64, Error> {
            sqlx::Row::try_get::<i64, _>(&row, i)
                .map(|n| n as u64)
                .map_err(|e| self.source.error(e))
        };
        Ok([count(0)?, count(1)?])
    }

    /// The keys of the rows written in the spec's window.
    pub async fn written_keys(&mut self) -> Result<Vec<Key>, Error> {
        let (sql, binds) = self.windowed(lq::KEYS_WRITTEN);
        let (source, arity) = (&self.source, self.arity);
        let mut out = Vec::new();
        let mut rows = bound(&sql, binds).fetch(&mut self.conn);
        while let Some(row) = rows.try_next().await.map_err(|e| source.error(e))? {
            out.push(
                source
                    .cells(&row, 0, arity)?
                    .into_iter()
                    .flatten()
                    .collect(),
            );
        }
        Ok(out)
    }

    /// The result rows a query of `r_columns` returns.
    async fn result_rows(
        &mut self,
        sql: &str,
        binds: Vec<String>,
    ) -> Result<Vec<ResultRow>, Error> {
        self.result_rows_from(sql, binds, 0, false).await
    }

    /// The rows `sql` reads, their columns from the `first`; `judged`: in the
    /// projection of [`KeyLookup::judged_rows_of`].
    async fn result_rows_from(
        &mut self,
        sql: &str,
        binds: Vec<String>,
        first: usize,
        judged: bool,
    ) -> Result<Vec<ResultRow>, Error> {
        let mut out = Vec::new();
        let rp = match judged {
            true => &self.judged.rp,
            false => &self.rp,
        };
        let n = rp.columns.len();
        let mut rows = text_rows(&mut self.reader, &mut self.conn, &self.source, sql, binds);
        while let Some(cells) = rows.try_next().await? {
            out.push(rp.row(cells.into_iter().skip(first).take(n).collect())?);
        }
        Ok(out)
    }

    /// Result rows, NULL-key rows and distinct keys of the whole table.
    pub async fn totals(&mut self) -> Result<[u64; 3], Error> {
        let (sql, _) = sql::render(
            self.source.dialect,
            lq::RESULTS_TOTALS,
            &self.shape.fragments(),
            &[],
        );
        let row = sqlx::query(&sql)
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| self.source.error(e))?;
        let count = |i: usize| -> Result<u64, Error> {
            sqlx::Row::try_get::<i64, _>(&row, i)
                .map(|n| n as u64)
                .map_err(|e| self.source.error(e))
        };
        Ok([count(0)?, count(1)?, count(2)?])
    }

    /// The rows whose canonical payload appears under several keys, the number of
    /// non-JSON keyed payloads and the first rows that have one (two passes over the
    /// keyed rows, as the scan of a log in SQL does).
    pub async fn cross_key(
        &mut self,
        spec: &AuditSpec,
        canon: &Canonicalizer,
        progress: &Progress,
    ) -> Result<(Vec<ResultRow>, u64, Vec<Vec<String>>), Error> {
        let mut non_json_rows = Vec::new();
        let times: Vec<(&str, &[String])> = self
            .window
            .iter()
            .map(|(name, value)| (*name, std::slice::from_ref(value)))
            .collect();
        let (rows, non_json) = self
            .source
            .cross_key_rows(
                &mut self.conn,
                spec,
                &times,
                &self.shape,
                &self.rp,
                canon,
                // No row count to size the pairs by: the list grows as it is read.
                0,
                &mut non_json_rows,
                progress,
            )
            .await?;
        Ok((rows, non_json, non_json_rows))
    }

    /// Every distinct key of the results, streamed.
    pub fn keys(&mut self) -> BoxStream<'_, Result<Key, Error>> {
        let arity = self.arity;
        let sql = self.keys_sql.as_str();
        text_rows(
            &mut self.reader,
            &mut self.conn,
            &self.source,
            sql,
            Vec::new(),
        )
        .map_ok(move |cells| cells.into_iter().take(arity).flatten().collect())
        .boxed()
    }

    /// Ends the transactions (they only ever read) and the connections.
    pub async fn close(mut self) {
        if let Some(mut reader) = self.reader.take() {
            let _ = sqlx::query("ROLLBACK").execute(&mut reader).await;
            let _ = reader.close().await;
        }
        let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
        let _ = self.conn.close().await;
    }
}

/// The rows of `sql`, each cell as text: on PostgreSQL's own connection when there
/// is one.
fn text_rows<'a>(
    reader: &'a mut Option<PgConnection>,
    conn: &'a mut AnyConnection,
    source: &'a DatabaseSource,
    sql: &'a str,
    binds: Vec<String>,
) -> BoxStream<'a, Result<Vec<Option<String>>, Error>> {
    match reader {
        Some(pg) => pg.text_rows(source, sql, binds),
        None => conn.text_rows(source, sql, binds),
    }
}
