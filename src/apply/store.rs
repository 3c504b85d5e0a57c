//! The SQL of cleanup: every statement `plan`, `apply`, `restore` and `runs` send,
//! over one connection, rendered from `queries/` with identifiers quoted by
//! [`crate::sql::quote_ident`] and values bound. Integers that dupaudit writes
//! itself (counts, plan positions, timeouts) are the only literals.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures_util::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::canonical::to_hex;
use crate::error::Error;
use crate::model::Key;
use crate::plan::{FullRow, Layout, PlanGroup, SourceIdentity, TABLE_ID_MARK};

use super::LiveRow;
use crate::backend;
use crate::source::DatabaseSource;
use crate::spec::CleanupSpec;
use crate::sql::{self, named, with_arrays, Dialect, TableName, TypedColumn};

use crate::sql::queries::cleanup as q;

/// Columns of the quarantine table that come before the results table's own.
pub const QUARANTINE_META: [&str; 3] = [
    "dupaudit_run_id",
    "dupaudit_quarantined_at",
    "dupaudit_source_table",
];

/// Most keys named in one statement where each key value is a bound parameter; the
/// rows of a batch are read and removed in chunks of this many keys, all inside the
/// batch's one transaction. PostgreSQL binds one array per column instead, so its
/// chunks are larger: a batch of up to this many groups is one statement.
pub use crate::backend::Timeouts;

/// The lock of one apply or restore on a results table (see [`Store::lock`]).
pub enum TableLock {
    /// A lock of the database session: the statement that lets it go, and its key.
    Session(&'static str, String),
    /// An exclusive lock on the SQLite database file, let go when closed.
    File(std::fs::File),
}

/// One results table and the cleanup tables beside it, on one database.
pub struct Store<'a> {
    db: &'a DatabaseSource,
    d: Dialect,
    fragments: Vec<(&'static str, String)>,
    layout: Option<Layout>,
    results: TableName,
    primary_key: Vec<String>,
    /// PostgreSQL: the SQL type of each primary key column, read from the catalog.
    pk_types: Vec<String>,
    key: Vec<String>,
    /// The key columns with their kinds, read from the catalog by [`Store::prepare`]:
    /// how a key is read as text and how a bound key is compared with them.
    key_columns: Vec<TypedColumn>,
    /// The primary key's columns, likewise.
    pk_columns: Vec<TypedColumn>,
}

/// A run as the runs table records it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunRecord {
    pub run_id: String,
    pub plan_checksum: String,
    pub results_table: String,
    pub quarantine_table: String,
    pub journal_table: String,
    /// `running`, `applied`, `refused` or `restored`.
    pub status: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub applied_by: String,
    pub tool_version: String,
    pub groups_planned: i64,
    pub rows_planned: i64,
    pub groups_applied: i64,
    pub rows_removed: i64,
    pub groups_skipped: i64,
    pub restored_at: Option<String>,
    pub rows_restored: Option<i64>,
}

impl<'a> Store<'a> {
    /// `results` and `primary_key`/`key` name the results table; `layout`, when
    /// known, gives every column of it (needed to read and move whole rows).
    pub fn new(
        db: &'a DatabaseSource,
        results: &TableName,
        primary_key: &[String],
        key: &[String],
        cleanup: &CleanupSpec,
        layout: Option<Layout>,
    ) -> Store<'a> {
        let d = db.dialect();
        let table = results.quoted(d);
        let beside = |name: &str| results.beside(name).quoted(d);
        let pk_text = |alias: &str| {
            primary_key
                .iter()
                .map(|c| sql::as_text(d, &sql::qualified(d, alias, c)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut fragments = vec![
            ("r_pk", sql::column_list(d, "r", primary_key)),
            ("results", table.clone()),
            ("quarantine", beside(&cleanup.quarantine_table)),
            ("runs", beside(&cleanup.runs_table)),
            ("journal", beside(&cleanup.journal_table)),
            ("r_key", sql::column_list(d, "r", key)),
            (
                "k_match",
                sql::equal_columns(
                    d,
                    "r",
                    key,
                    "k",
                    &(0..key.len()).map(|i| format!("k{i}")).collect::<Vec<_>>(),
                ),
            ),
            (
                "k_columns",
                (0..key.len())
                    .map(|i| format!("k{i}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            (
                "r_key_text",
                key.iter()
                    .map(|c| sql::as_text(d, &sql::qualified(d, "r", c)))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            ("t_key", sql::column_list(d, &table, key)),
            ("t_pk", sql::column_list(d, &table, primary_key)),
            ("r_pk_text", pk_text("r")),
            ("t_pk_text", pk_text(&table)),
            ("q_pk_text", pk_text("q")),
            (
                "pk_match",
                sql::equal_columns(d, "r", primary_key, "q", primary_key),
            ),
            (
                "overriding",
                match d {
                    Dialect::Postgres => "OVERRIDING SYSTEM VALUE".to_string(),
                    _ => String::new(),
                },
            ),
        ];
        if let Some(l) = &layout {
            fragments.extend(Self::column_fragments(d, &l.columns));
        }
        Store {
            db,
            d,
            fragments,
            layout,
            results: results.clone(),
            primary_key: primary_key.to_vec(),
            pk_types: Vec::new(),
            key: key.to_vec(),
            key_columns: Vec::new(),
            pk_columns: Vec::new(),
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.d
    }

    /// How many keys one statement names.
    pub fn keys_per_statement(&self) -> usize {
        self.d.backend().keys_per_statement()
    }

    /// Reads the types of the table's columns: the key's, which bound keys are
    /// compared as, and every column's, which rows are read as the text of (bytes as
    /// hex); on PostgreSQL the primary key's too, which the arrays of primary keys
    /// are cast to.
    pub async fn prepare(&mut self, conn: &mut AnyConnection) -> Result<(), Error> {
        let d = self.d;
        let typed = self.db.table_types(conn, &self.results).await?;
        let pick = |names: &[String]| -> Vec<TypedColumn> {
            names
                .iter()
                .filter_map(|n| typed.iter().find(|c| c.name == *n).cloned())
                .collect()
        };
        self.key_columns = pick(&self.key);
        let pk = pick(&self.primary_key);
        self.pk_columns = pk.clone();
        let reads = |alias: &str, columns: &[TypedColumn]| -> String {
            columns
                .iter()
                .map(|c| c.read(d, &sql::qualified(d, alias, &c.name)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let table = self.results.quoted(d);
        let mut refreshed = vec![
            ("r_key_text", reads("r", &self.key_columns)),
            ("r_pk_text", reads("r", &pk)),
            ("t_pk_text", reads(&table, &pk)),
            ("q_pk_text", reads("q", &pk)),
        ];
        if let Some(layout) = &self.layout {
            let mut all =
                crate::source::projection(d, "r", &layout.columns, layout.columns.len(), &typed);
            // SQLite's fingerprints hash each column's storage class beside its text.
            if d == Dialect::Sqlite {
                for (i, c) in layout.columns.iter().enumerate() {
                    let at = layout.columns.len() + i;
                    all.push_str(&format!(", typeof({}) AS c{at}", sql::qualified(d, "r", c)));
                }
            }
            refreshed.push(("all_columns", all));
        }
        self.fragments
            .retain(|(n, _)| !refreshed.iter().any(|(r, _)| r == n));
        self.fragments.extend(refreshed);
        if d == Dialect::Postgres {
            self.pk_types = pk.iter().map(|c| c.sql_type.clone()).collect();
        }
        Ok(())
    }

    /// The SQL types of the key columns, which arrays of keys are cast to.
    fn key_types(&self) -> Vec<String> {
        self.key_columns
            .iter()
            .map(|c| c.sql_type.clone())
            .collect()
    }

    fn column_fragments(d: Dialect, columns: &[String]) -> Vec<(&'static str, String)> {
        vec![
            (
                "all_columns",
                sql::text_projection(d, "r", columns, columns.len()),
            ),
            (
                "columns",
                columns
                    .iter()
                    .map(|c| sql::quote_ident(d, c))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            ("r_columns", sql::column_list(d, "r", columns)),
        ]
    }

    /// Sets the columns moved by `restore`, once they are known.
    pub fn set_columns(&mut self, columns: &[String]) {
        self.fragments
            .retain(|(n, _)| !matches!(*n, "all_columns" | "columns" | "r_columns"));
        self.fragments
            .extend(Self::column_fragments(self.d, columns));
    }

    fn layout(&self) -> &Layout {
        self.layout
            .as_ref()
            .expect("whole rows are read only with the table's layout")
    }

    /// Renders a template with the store's fragments plus `extra`, binding `lists`
    /// and `rows`.
    fn render(
        &self,
        template: &str,
        extra: &[(&str, &str)],
        lists: &[(&str, &[String])],
        rows: &[(&str, &[Vec<String>])],
    ) -> (String, Vec<String>) {
        let mut fragments: Vec<(&str, &str)> = self
            .fragments
            .iter()
            .map(|(n, f)| (*n, f.as_str()))
            .collect();
        fragments.extend_from_slice(extra);
        let keys = [
            ("keys", self.key_columns.as_slice()),
            ("pks", self.pk_columns.as_slice()),
        ];
        sql::render_rows(self.d, template, &fragments, lists, rows, &keys)
    }

    async fn execute(
        &self,
        conn: &mut AnyConnection,
        (sql, binds): (String, Vec<String>),
    ) -> Result<u64, Error> {
        let mut query = sqlx::query(&sql);
        for b in binds {
            query = query.bind(b);
        }
        query
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| self.db.error(e))
    }

    async fn fetch(
        &self,
        conn: &mut AnyConnection,
        (sql, binds): (String, Vec<String>),
    ) -> Result<Vec<AnyRow>, Error> {
        let mut query = sqlx::query(&sql);
        for b in binds {
            query = query.bind(b);
        }
        query
            .fetch(&mut *conn)
            .try_collect()
            .await
            .map_err(|e| self.db.error(e))
    }

    async fn plain(&self, conn: &mut AnyConnection, sql: &str) -> Result<(), Error> {
        self.execute(conn, (sql.to_string(), Vec::new()))
            .await
            .map(|_| ())
    }

    /// Session settings of a writing connection: UTC, the lock and statement timeouts.
    pub async fn session(&self, conn: &mut AnyConnection, t: Timeouts) -> Result<(), Error> {
        let backend = self.d.backend();
        let server = backend::server(backend, conn)
            .await
            .map_err(|e| self.db.error(e))?;
        backend::run(conn, backend.apply_session(&server, t))
            .await
            .map_err(|e| self.db.error(e))
    }

    /// Session settings of the connection `plan` reads whole rows on: UTC, as the
    /// scan and `apply` read them, so that a row's text (and with it a blake3-columns
    /// fingerprint) is the same in `plan` and in `apply` whatever the server's zone.
    pub async fn plan_session(&self, conn: &mut AnyConnection) -> Result<(), Error> {
        backend::run(conn, self.d.backend().plan_session())
            .await
            .map_err(|e| self.db.error(e))
    }

    /// The user the connection is logged in as; `None` where the database has no
    /// users (SQLite) or will not say.
    pub async fn database_user(&self, conn: &mut AnyConnection) -> Option<String> {
        let sql = self.d.backend().current_user()?;
        sqlx::query_scalar::<_, String>(sql)
            .fetch_one(&mut *conn)
            .await
            .ok()
    }

    /// Starts a writing transaction.
    pub async fn begin(&self, conn: &mut AnyConnection) -> Result<(), Error> {
        self.plain(conn, self.d.backend().apply_begin()).await
    }

    pub async fn commit(&self, conn: &mut AnyConnection) -> Result<(), Error> {
        self.plain(conn, "COMMIT").await
    }

    pub async fn rollback(&self, conn: &mut AnyConnection) -> Result<(), Error> {
        self.plain(conn, "ROLLBACK").await
    }

    /// Which server, database and results table this is.
    pub async fn identity(
        &self,
        conn: &mut AnyConnection,
        table: &TableName,
    ) -> Result<SourceIdentity, Error> {
        let backend = self.d.backend();
        let row = backend::query(backend.catalog().identity, backend.identity_binds(table))
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| self.db.error(e))?;
        let cell = |i| -> Result<String, Error> { Ok(self.db.text(&row, i)?.unwrap_or_default()) };
        let mut table_id = cell(2)?;
        if self.d == Dialect::Sqlite {
            // The first page, and a digest of the CREATE statement rather than its text.
            if let Some((page, create)) = table_id.split_once(' ') {
                let digest = blake3::hash(create.as_bytes()).to_hex();
                table_id = format!("page {page}, schema {}", &digest[..16]);
            }
        }
        if self.d == Dialect::Mysql {
            // The InnoDB id where the role may read it (see table_id.sql).
            for sql in [q::mysql::TABLE_ID, q::mysql::TABLE_ID_MYSQL] {
                let id: Result<Option<String>, _> = sqlx::query_scalar(sql)
                    .bind(&table.schema)
                    .bind(&table.name)
                    .fetch_optional(&mut *conn)
                    .await;
                if let Ok(Some(id)) = id {
                    table_id = format!("{table_id} {TABLE_ID_MARK}{id}");
                    break;
                }
            }
        }
        Ok(SourceIdentity {
            kind: format!("{:?}", self.d).to_lowercase(),
            location: self.db.location(),
            server: cell(0)?,
            database: cell(1)?,
            table: table.to_string(),
            table_id,
        })
    }

    /// The table's columns in table order; empty when there is no such table.
    pub async fn columns_of(
        &self,
        conn: &mut AnyConnection,
        table: &TableName,
    ) -> Result<Vec<String>, Error> {
        self.names(conn, self.d.backend().catalog().columns, table)
            .await
    }

    /// The generated columns of `table`, whose values the database computes and
    /// refuses to be given.
    pub async fn generated_columns_of(
        &self,
        conn: &mut AnyConnection,
        table: &TableName,
    ) -> Result<Vec<String>, Error> {
        self.names(conn, self.d.backend().catalog().generated_columns, table)
            .await
    }

    /// The first column of every row of `sql`, the table's name and (but in SQLite,
    /// which has none) its schema bound to it.
    async fn names(
        &self,
        conn: &mut AnyConnection,
        sql: &str,
        table: &TableName,
    ) -> Result<Vec<String>, Error> {
        self.db.schemas_supported(table.schema.as_deref())?;
        let rows = backend::query(sql, self.d.backend().name_binds(table))
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| self.db.error(e))?;
        rows.iter()
            .map(|r| Ok(self.db.text(r, 0)?.unwrap_or_default()))
            .collect()
    }

    /// Creates the runs, journal and quarantine tables where they are missing
    /// (as temporary tables for a dry run, which must leave nothing behind), and
    /// checks that an existing quarantine table holds this results table's columns.
    pub async fn ensure_tables(
        &mut self,
        conn: &mut AnyConnection,
        cleanup: &CleanupSpec,
        dry_run: bool,
    ) -> Result<(), Error> {
        let temporary = if dry_run { "TEMPORARY" } else { "" };
        for (fragment, table, template) in [
            ("runs", &cleanup.runs_table, q::RUNS_CREATE),
            ("journal", &cleanup.journal_table, q::JOURNAL_CREATE),
        ] {
            if self
                .columns_of(conn, &self.results.beside(table))
                .await?
                .is_empty()
            {
                self.temporary_in_own_schema(fragment, table, dry_run);
                let (sql, _) = self.render(template, &[("temporary", temporary)], &[], &[]);
                self.plain(conn, &sql).await?;
            }
        }
        let quarantine = self.results.beside(&cleanup.quarantine_table);
        let existing = self.columns_of(conn, &quarantine).await?;
        if existing.is_empty() {
            self.temporary_in_own_schema("quarantine", &cleanup.quarantine_table, dry_run);
            let template = self.d.backend().quarantine_create();
            let (sql, _) = self.render(template, &[("temporary", temporary)], &[], &[]);
            return self.plain(conn, &sql).await;
        }
        let columns = &self.layout().columns;
        let mut expected: Vec<String> = QUARANTINE_META
            .iter()
            .map(|c| c.to_string())
            .chain(columns.iter().cloned())
            .collect();
        let mut found = existing.clone();
        expected.sort();
        found.sort();
        if found != expected {
            return Err(Error::Usage(format!(
                "the quarantine table `{quarantine}` exists with columns ({}) that are not the results table's ({}) plus {}; name another one in [cleanup] quarantine_table",
                existing.join(", "),
                columns.join(", "),
                QUARANTINE_META.join(", ")
            )));
        }
        Ok(())
    }

    /// PostgreSQL keeps temporary tables in a schema of their own: a dry run's
    /// table of `name`, beside a results table of a named schema, is named there.
    fn temporary_in_own_schema(&mut self, fragment: &str, name: &str, dry_run: bool) {
        if dry_run && self.d == Dialect::Postgres && self.results.schema.is_some() {
            let temporary = TableName::new(Some("pg_temp"), name).quoted(self.d);
            for (f, value) in &mut self.fragments {
                if *f == fragment {
                    *value = temporary.clone();
                }
            }
        }
    }

    /// Every row of these keys, whole, each with its fingerprint by the scheme of
    /// this dialect (computed by PostgreSQL; by dupaudit from the cells elsewhere).
    pub async fn rows_of_keys(
        &self,
        conn: &mut AnyConnection,
        keys: &[Key],
    ) -> Result<Vec<FullRow>, Error> {
        let rows = self.fetch(conn, self.rows_query(keys, false, true)).await?;
        rows.iter().map(|r| self.whole_row(r)).collect()
    }

    /// A row read by the `all_columns` projection, with its fingerprint: read from
    /// PostgreSQL, which computes it; with SQLite's storage classes, which follow
    /// the columns; computed from the text elsewhere.
    fn whole_row(&self, r: &AnyRow) -> Result<FullRow, Error> {
        let layout = self.layout();
        let width = layout.columns.len();
        let cells = self.db.cells(r, 0, width)?;
        let fingerprint = match self.d {
            Dialect::Postgres => Some(self.db.text(r, width)?.unwrap_or_default()),
            Dialect::Sqlite => {
                let classes = self.db.cells(r, width, width)?;
                Some(crate::plan::typed_fingerprint(
                    &layout.columns,
                    &cells,
                    &classes,
                ))
            }
            Dialect::Mysql => None,
        };
        Ok(layout.row(cells, fingerprint))
    }

    /// The primary key, key and fingerprint of every row of these keys, optionally
    /// locked for the transaction. PostgreSQL sends only those; elsewhere every
    /// column is read and fingerprinted here.
    pub async fn live_rows_of_keys(
        &self,
        conn: &mut AnyConnection,
        keys: &[Key],
        lock: bool,
    ) -> Result<Vec<LiveRow>, Error> {
        let rows = self.fetch(conn, self.rows_query(keys, lock, false)).await?;
        match self.d {
            Dialect::Postgres => {
                let (pk, key) = (self.primary_key.len(), keys.first().map_or(0, Vec::len));
                rows.iter()
                    .map(|r| {
                        let cells = self.db.cells(r, 0, pk + key + 1)?;
                        let mut cells = cells.into_iter();
                        let pk = cells
                            .by_ref()
                            .take(pk)
                            .map(|c| c.unwrap_or_else(|| "NULL".to_string()))
                            .collect();
                        let key = cells.by_ref().take(key).collect::<Option<Vec<String>>>();
                        let fingerprint = cells.next().flatten().unwrap_or_default();
                        Ok(LiveRow {
                            pk,
                            key,
                            fingerprint,
                        })
                    })
                    .collect()
            }
            _ => rows
                .iter()
                .map(|r| {
                    let row = self.whole_row(r)?;
                    Ok(LiveRow {
                        pk: row.pk,
                        key: row.key,
                        fingerprint: row.fingerprint,
                    })
                })
                .collect(),
        }
    }

    /// PostgreSQL: the plan positions among `groups` whose key's rows are not the
    /// rows the plan names (keeper and rows to remove), each with the primary key and
    /// fingerprint the plan holds for it (cleanup_drift.sql): reads, and with `lock`
    /// locks, every row of those keys; a group number, the primary key and 32 bytes
    /// of fingerprint per row leave the server.
    pub async fn drifted_groups(
        &self,
        conn: &mut AnyConnection,
        groups: &[(usize, &PlanGroup)],
        lock: bool,
    ) -> Result<HashSet<usize>, Error> {
        let keys: Vec<Vec<String>> = groups
            .iter()
            .enumerate()
            .map(|(i, (_, group))| {
                std::iter::once(i.to_string())
                    .chain(group.key.iter().cloned())
                    .collect()
            })
            .collect();
        let mut types = vec!["bigint".to_string()];
        types.extend(self.key_types());
        let (template, arrays) = with_arrays(q::postgres::DRIFT, "key_arrays", &keys, &types);
        let lock = if lock { "FOR UPDATE OF r" } else { "" };
        let rows = self
            .fetch(
                conn,
                self.render(&template, &[("lock", lock)], &named(&arrays), &[]),
            )
            .await?;
        let pk = self.primary_key.len();
        let mut live: Vec<Vec<(Vec<String>, String)>> = vec![Vec::new(); groups.len()];
        for r in &rows {
            let i = r.try_get::<i64, _>(0).map_err(|e| self.db.error(e))?;
            let fingerprint = r.try_get::<Vec<u8>, _>(1).map_err(|e| self.db.error(e))?;
            let cells = self.db.cells(r, 2, pk)?;
            let slot = usize::try_from(i).ok().and_then(|i| live.get_mut(i));
            let slot = slot.ok_or_else(|| {
                Error::Runtime(format!(
                    "the server named group {i}, which the batch does not have"
                ))
            })?;
            let pk = cells.into_iter().map(Option::unwrap_or_default).collect();
            slot.push((pk, to_hex(&fingerprint)));
        }
        // A row matches when both its primary key and its fingerprint are the plan's.
        Ok(groups
            .iter()
            .zip(live)
            .filter_map(|((g, group), mut live)| {
                let mut planned: Vec<(Vec<String>, String)> = std::iter::once(&group.keeper)
                    .chain(&group.remove)
                    .map(|r| (r.pk.clone(), r.fingerprint.clone()))
                    .collect();
                planned.sort_unstable();
                live.sort_unstable();
                (planned != live).then_some(*g)
            })
            .collect())
    }

    /// The statement reading the rows of `keys`: every column (`whole`), or on
    /// PostgreSQL just the primary key and key, with the fingerprint there.
    fn rows_query(&self, keys: &[Key], lock: bool, whole: bool) -> (String, Vec<String>) {
        let lock = match lock {
            true => self.d.backend().lock_rows(),
            false => "",
        };
        match self.d {
            Dialect::Postgres => {
                let types = self.key_types();
                let (template, arrays) = with_arrays(q::postgres::ROWS, "key_arrays", keys, &types);
                let read = match whole {
                    true => self.fragment("all_columns"),
                    false => format!(
                        "{}, {}",
                        self.fragment("r_pk_text"),
                        self.fragment("r_key_text")
                    ),
                };
                self.render(
                    &template,
                    &[("lock", lock), ("read", &read)],
                    &named(&arrays),
                    &[],
                )
            }
            _ => self.render(q::ROWS, &[("lock", lock)], &[], &[("keys", keys)]),
        }
    }

    fn fragment(&self, name: &str) -> String {
        self.fragments
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| f.clone())
            .expect("the store defines every fragment it uses")
    }

    /// Elsewhere than PostgreSQL: moves the rows a batch removes into quarantine,
    /// copying them there and deleting them. The rows were locked and compared with
    /// the plan by primary key just before, and are named by key and primary key.
    /// Every row named must be moved, or the batch is refused (its transaction then
    /// rolls back and nothing of it stands).
    pub async fn quarantine_and_delete(
        &self,
        conn: &mut AnyConnection,
        run: &str,
        now: &str,
        removals: &[(usize, &PlanGroup)],
    ) -> Result<u64, Error> {
        let (run, now, table) = self.meta(run, now);
        let meta = [
            ("run", &run[..]),
            ("now", &now[..]),
            ("source_table", &table[..]),
        ];
        let planned: u64 = removals.iter().map(|(_, g)| g.remove.len() as u64).sum();
        let keys: Vec<Key> = removals.iter().map(|(_, g)| g.key.clone()).collect();
        let pks: Vec<Vec<String>> = removals
            .iter()
            .flat_map(|(_, g)| g.remove.iter().map(|r| r.pk.clone()))
            .collect();
        let rows = [("keys", &keys[..]), ("pks", &pks[..])];
        let copy = self.render(q::QUARANTINE, &[], &meta, &rows);
        let copied = self.execute(conn, copy).await?;
        let delete = self.render(q::DELETE, &[], &[], &rows);
        let deleted = self.execute(conn, delete).await?;
        if copied != planned || deleted != copied {
            return Err(Error::Refused {
                message: format!(
                    "the batch names {planned} rows but {copied} were copied and {deleted} deleted; it was rolled back"
                ),
            });
        }
        Ok(deleted)
    }

    fn meta(&self, run: &str, now: &str) -> ([String; 1], [String; 1], [String; 1]) {
        (
            [run.to_string()],
            [now.to_string()],
            [self.results.name.clone()],
        )
    }

    /// PostgreSQL: carries out `groups` in one statement (cleanup_remove.sql). Every
    /// row of their keys is locked and fingerprinted; a group whose rows are not the
    /// rows the plan names, with the fingerprints it holds, is drifted and left
    /// alone; the rows to remove of the others are moved into quarantine. Gives back
    /// the rows moved and the drifted groups (plan positions). A group moved short
    /// of the plan refuses the batch (its transaction then rolls back).
    pub async fn move_unless_drifted(
        &self,
        conn: &mut AnyConnection,
        run: &str,
        now: &str,
        groups: &[(usize, &PlanGroup)],
    ) -> Result<(u64, HashSet<usize>), Error> {
        let (run, now, table) = self.meta(run, now);
        let meta = [
            ("run", &run[..]),
            ("now", &now[..]),
            ("source_table", &table[..]),
        ];
        // The arrays' items borrow the plan's text; only the groups' numbers are new.
        let numbers: Vec<String> = groups.iter().map(|(g, _)| g.to_string()).collect();
        let keys: Vec<Vec<&str>> = groups
            .iter()
            .zip(&numbers)
            .map(|((_, group), g)| {
                std::iter::once(g.as_str())
                    .chain(group.key.iter().map(String::as_str))
                    .collect()
            })
            .collect();
        let planned: Vec<Vec<&str>> = groups
            .iter()
            .zip(&numbers)
            .flat_map(|((_, group), g)| {
                let keeper = std::iter::once((&group.keeper, "false"));
                keeper
                    .chain(group.remove.iter().map(|r| (r, "true")))
                    .map(move |(r, remove)| {
                        std::iter::once(g.as_str())
                            .chain(r.pk.iter().map(String::as_str))
                            .chain([r.fingerprint.as_str(), remove])
                            .collect()
                    })
            })
            .collect();
        let mut key_types = vec!["bigint".to_string()];
        key_types.extend(self.key_types());
        let mut types = vec!["bigint".to_string()];
        types.extend(self.pk_types.iter().cloned());
        types.extend(["bytea".to_string(), "boolean".to_string()]);
        let d = self.d;
        let p_columns = (0..self.primary_key.len())
            .map(|i| format!("p{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let k_columns = (0..self.key.len())
            .map(|i| format!("k{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let k_match = self
            .key
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} = k.k{i}", sql::qualified(d, "r", c)))
            .collect::<Vec<_>>()
            .join(" AND ");
        let r_pk_as_l = self
            .primary_key
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} AS l{i}", sql::qualified(d, "r", c)))
            .collect::<Vec<_>>()
            .join(", ");
        let pl_match = (0..self.primary_key.len())
            .map(|i| format!("p.p{i} = l.l{i}"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let (template, key_arrays) =
            with_arrays(q::postgres::REMOVE, "key_arrays", &keys, &key_types);
        let (template, arrays) = with_arrays(&template, "planned_arrays", &planned, &types);
        let mut lists = meta.to_vec();
        lists.extend(named(&key_arrays));
        lists.extend(named(&arrays));
        let rows = self
            .fetch(
                conn,
                self.render(
                    &template,
                    &[
                        ("p_columns", &p_columns),
                        ("k_columns", &k_columns),
                        ("k_match", &k_match),
                        ("r_pk_as_l", &r_pk_as_l),
                        ("pl_match", &pl_match),
                    ],
                    &lists,
                    &[],
                ),
            )
            .await?;
        let mut moved: HashMap<usize, u64> = HashMap::new();
        let mut drifted = HashSet::new();
        for r in &rows {
            let g = r.try_get::<i64, _>(0).map_err(|e| self.db.error(e))?;
            let n = r.try_get::<i64, _>(1).map_err(|e| self.db.error(e))?;
            match u64::try_from(n) {
                Ok(n) => {
                    moved.insert(g as usize, n);
                }
                Err(_) => {
                    drifted.insert(g as usize);
                }
            }
        }
        let short: Vec<String> = groups
            .iter()
            .filter(|(g, _)| !drifted.contains(g))
            .filter(|(g, group)| moved.get(g).copied().unwrap_or(0) != group.remove.len() as u64)
            .map(|(g, group)| {
                format!(
                    "group {g} ({}): the plan removes {} row(s); {} were moved",
                    crate::plan::group_label(group),
                    group.remove.len(),
                    moved.get(g).copied().unwrap_or(0)
                )
            })
            .collect();
        if !short.is_empty() {
            return Err(Error::Refused {
                message: format!(
                    "the database holds other rows than the plan names; the batch was rolled back:\n  {}",
                    short.join("\n  ")
                ),
            });
        }
        Ok((moved.values().sum(), drifted))
    }

    /// Takes the lock that lets one apply or restore at a time work on the results
    /// table, waiting up to `wait`: PostgreSQL's advisory lock, MySQL's named lock,
    /// an exclusive lock on a SQLite database file. Refused, naming who holds it,
    /// when it does not come in time.
    pub async fn lock(&self, conn: &mut AnyConnection, wait: Duration) -> Result<TableLock, Error> {
        let held = |who: String| Error::Refused {
            message: format!(
                "another apply or restore is working on {} ({who}); it was waited for {}: \
                 try again when it is done, or give a longer --lock-timeout",
                self.results,
                humantime::format_duration(wait)
            ),
        };
        match self.d {
            Dialect::Postgres => {
                let table = self.results.quoted(self.d);
                let taken = sqlx::query(q::postgres::LOCK)
                    .bind(&table)
                    .execute(&mut *conn)
                    .await;
                if let Err(e) = taken {
                    let who = self
                        .lock_holder(conn, q::postgres::LOCK_HOLDER, &table)
                        .await;
                    return Err(match who {
                        Some(who) => held(who),
                        None => self.db.error(e),
                    });
                }
                Ok(TableLock::Session(q::postgres::UNLOCK, table))
            }
            Dialect::Mysql => {
                let name = format!(
                    "dupaudit {}",
                    &blake3::hash(self.results.quoted(self.d).as_bytes()).to_hex()[..32]
                );
                let taken: Option<i64> = sqlx::query_scalar(q::mysql::LOCK)
                    .bind(&name)
                    .bind(wait.as_secs_f64().ceil().max(0.0) as i64)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(|e| self.db.error(e))?;
                if taken != Some(1) {
                    let who = self.lock_holder(conn, q::mysql::LOCK_HOLDER, &name).await;
                    return Err(held(
                        who.unwrap_or_else(|| "a session that has ended since".into()),
                    ));
                }
                Ok(TableLock::Session(q::mysql::UNLOCK, name))
            }
            Dialect::Sqlite => {
                let path = self.db.sqlite_path().ok_or_else(|| {
                    Error::Usage("apply needs a SQLite database file, not an in-memory one".into())
                })?;
                let file = std::fs::File::open(&path).map_err(|source| Error::Write {
                    path: path.clone(),
                    source,
                })?;
                let deadline = std::time::Instant::now() + wait;
                loop {
                    match file.try_lock() {
                        Ok(()) => return Ok(TableLock::File(file)),
                        Err(std::fs::TryLockError::WouldBlock)
                            if std::time::Instant::now() < deadline =>
                        {
                            tokio::time::sleep(Duration::from_millis(50)).await
                        }
                        Err(std::fs::TryLockError::WouldBlock) => {
                            return Err(held(format!(
                                "a dupaudit process on this machine holds the lock on {}",
                                path.display()
                            )))
                        }
                        Err(std::fs::TryLockError::Error(source)) => {
                            return Err(Error::Write { path, source })
                        }
                    }
                }
            }
        }
    }

    /// Who holds the table's lock, in words; `None` when nobody could be named.
    async fn lock_holder(&self, conn: &mut AnyConnection, sql: &str, key: &str) -> Option<String> {
        // A failed statement (the lock's timeout) leaves a PostgreSQL transaction
        // aborted; there is none open here, so the session can go on asking.
        let row = sqlx::query(sql)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await
            .ok()??;
        let cells = self.db.cells(&row, 0, row.len()).ok()?;
        let cells: Vec<String> = cells.into_iter().map(Option::unwrap_or_default).collect();
        Some(match self.d {
            Dialect::Postgres => format!(
                "held by process {} of user {} ({}, from {}, connected at {})",
                cells[0], cells[1], cells[2], cells[3], cells[4]
            ),
            _ => format!(
                "held by connection {} of {} from {}, in its state for {} s",
                cells[0], cells[1], cells[2], cells[3]
            ),
        })
    }

    /// Lets go of a lock [`Store::lock`] took (a dropped connection or process lets go
    /// of it too).
    pub async fn unlock(&self, conn: &mut AnyConnection, lock: TableLock) -> Result<(), Error> {
        match lock {
            TableLock::Session(sql, key) => {
                sqlx::query(sql)
                    .bind(key)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| self.db.error(e))?;
            }
            TableLock::File(file) => drop(file),
        }
        Ok(())
    }

    /// The plan positions among `groups` that `run` has finished.
    pub async fn journal_done(
        &self,
        conn: &mut AnyConnection,
        run: &str,
        groups: &[usize],
    ) -> Result<HashSet<usize>, Error> {
        let list = groups
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let rows = self
            .fetch(
                conn,
                self.render(
                    q::JOURNAL_DONE,
                    &[("groups", &list)],
                    &[("run", &[run.to_string()])],
                    &[],
                ),
            )
            .await?;
        rows.iter()
            .map(|r| {
                r.try_get::<i64, _>(0)
                    .map(|n| n as usize)
                    .map_err(|e| self.db.error(e))
            })
            .collect()
    }

    /// Records groups of `run` as finished.
    pub async fn journal_add(
        &self,
        conn: &mut AnyConnection,
        run: &str,
        groups: &[usize],
    ) -> Result<(), Error> {
        if groups.is_empty() {
            return Ok(());
        }
        let run = [run.to_string()];
        if self.d == Dialect::Postgres {
            let list = groups
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let groups = [format!("{{{list}}}")];
            let lists = [("run", &run[..]), ("groups", &groups[..])];
            return self
                .execute(
                    conn,
                    self.render(q::postgres::JOURNAL_ADD, &[], &lists, &[]),
                )
                .await
                .map(|_| ());
        }
        let entries = groups
            .iter()
            .map(|g| format!("({{run}}, {g})"))
            .collect::<Vec<_>>()
            .join(", ");
        let template = sql::compose(q::JOURNAL_ADD, &[("entries", &entries)]);
        self.execute(conn, self.render(&template, &[], &[("run", &run)], &[]))
            .await
            .map(|_| ())
    }

    /// Records a new run.
    #[allow(clippy::too_many_arguments)]
    pub async fn run_insert(
        &self,
        conn: &mut AnyConnection,
        run: &str,
        checksum: &str,
        table: &str,
        cleanup: &CleanupSpec,
        now: &str,
        by: &str,
        groups: u64,
        rows: u64,
    ) -> Result<(), Error> {
        let one = |v: &str| [v.to_string()];
        let (run, checksum, table, quarantine, journal, now, by, version) = (
            one(run),
            one(checksum),
            one(table),
            one(&cleanup.quarantine_table),
            one(&cleanup.journal_table),
            one(now),
            one(by),
            one(env!("CARGO_PKG_VERSION")),
        );
        let (groups, rows) = (groups.to_string(), rows.to_string());
        self.execute(
            conn,
            self.render(
                q::RUN_INSERT,
                &[("groups_planned", &groups), ("rows_planned", &rows)],
                &[
                    ("run", &run),
                    ("checksum", &checksum),
                    ("table_name", &table),
                    ("quarantine_name", &quarantine),
                    ("journal_name", &journal),
                    ("now", &now),
                    ("by", &by),
                    ("version", &version),
                ],
                &[],
            ),
        )
        .await
        .map(|_| ())
    }

    /// Adds a batch's counts to its run.
    pub async fn run_progress(
        &self,
        conn: &mut AnyConnection,
        run: &str,
        groups: u64,
        rows: u64,
    ) -> Result<(), Error> {
        let (groups, rows) = (groups.to_string(), rows.to_string());
        self.execute(
            conn,
            self.render(
                q::RUN_PROGRESS,
                &[("groups", &groups), ("rows", &rows)],
                &[("run", &[run.to_string()])],
                &[],
            ),
        )
        .await
        .map(|_| ())
    }

    /// Closes a run with its final status.
    pub async fn run_finish(
        &self,
        conn: &mut AnyConnection,
        run: &str,
        status: &str,
        now: &str,
        skipped: u64,
    ) -> Result<(), Error> {
        let skipped = skipped.to_string();
        self.execute(
            conn,
            self.render(
                q::RUN_FINISH,
                &[("skipped", &skipped)],
                &[
                    ("status", &[status.to_string()]),
                    ("now", &[now.to_string()]),
                    ("run", &[run.to_string()]),
                ],
                &[],
            ),
        )
        .await
        .map(|_| ())
    }

    /// The runs of one plan, newest first: `(run id, status)`.
    pub async fn runs_of_plan(
        &self,
        conn: &mut AnyConnection,
        checksum: &str,
    ) -> Result<Vec<(String, String)>, Error> {
        let rows = self
            .fetch(
                conn,
                self.render(
                    q::RUNS_OF_PLAN,
                    &[],
                    &[("checksum", &[checksum.to_string()])],
                    &[],
                ),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    self.db.text(r, 0)?.unwrap_or_default(),
                    self.db.text(r, 1)?.unwrap_or_default(),
                ))
            })
            .collect()
    }

    /// Every run recorded (or just `only`), oldest first; empty when no run was
    /// ever recorded here.
    pub async fn runs(
        &self,
        conn: &mut AnyConnection,
        runs_table: &str,
        only: Option<&str>,
    ) -> Result<Vec<RunRecord>, Error> {
        let table = self.results.beside(runs_table);
        if self.columns_of(conn, &table).await?.is_empty() {
            return Ok(Vec::new());
        }
        let only: Vec<String> = only.iter().map(|s| s.to_string()).collect();
        let template = match only.is_empty() {
            true => sql::compose(q::RUNS_LIST, &[("where_run", "")]),
            false => sql::compose(q::RUNS_LIST, &[("where_run", "WHERE run_id = {run}")]),
        };
        let rows = self
            .fetch(conn, self.render(&template, &[], &[("run", &only)], &[]))
            .await?;
        rows.iter().map(|r| self.run_record(r)).collect()
    }

    fn run_record(&self, r: &AnyRow) -> Result<RunRecord, Error> {
        let text = |i| -> Result<Option<String>, Error> { self.db.text(r, i) };
        let req = |i| -> Result<String, Error> { Ok(text(i)?.unwrap_or_default()) };
        let int = |i| -> Result<Option<i64>, Error> {
            r.try_get::<Option<i64>, _>(i).map_err(|e| self.db.error(e))
        };
        Ok(RunRecord {
            run_id: req(0)?,
            plan_checksum: req(1)?,
            results_table: req(2)?,
            quarantine_table: req(3)?,
            journal_table: req(4)?,
            status: req(5)?,
            started_at: req(6)?,
            finished_at: text(7)?,
            applied_by: req(8)?,
            tool_version: req(9)?,
            groups_planned: int(10)?.unwrap_or_default(),
            rows_planned: int(11)?.unwrap_or_default(),
            groups_applied: int(12)?.unwrap_or_default(),
            rows_removed: int(13)?.unwrap_or_default(),
            groups_skipped: int(14)?.unwrap_or_default(),
            restored_at: text(15)?,
            rows_restored: int(16)?,
        })
    }

    /// Primary keys (as text, first `limit`) of a run's quarantined rows that are in
    /// the results table again.
    pub async fn restore_clashes(
        &self,
        conn: &mut AnyConnection,
        run: &str,
        pk_width: usize,
    ) -> Result<Vec<Vec<String>>, Error> {
        let rows = self
            .fetch(
                conn,
                self.render(q::RESTORE_CLASHES, &[], &[("run", &[run.to_string()])], &[]),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(self
                    .db
                    .cells(r, 0, pk_width)?
                    .into_iter()
                    .map(Option::unwrap_or_default)
                    .collect())
            })
            .collect()
    }

    /// Moves a run's rows from quarantine back into the results table and marks the
    /// run restored; returns how many rows came back.
    pub async fn restore_run(
        &self,
        conn: &mut AnyConnection,
        run: &str,
        now: &str,
    ) -> Result<u64, Error> {
        let run_list = [run.to_string()];
        let lists: &[(&str, &[String])] = &[("run", &run_list)];
        let back = self
            .execute(conn, self.render(q::RESTORE_INSERT, &[], lists, &[]))
            .await?;
        let emptied = self
            .execute(conn, self.render(q::RESTORE_DELETE, &[], lists, &[]))
            .await?;
        if emptied != back {
            return Err(Error::Runtime(format!(
                "restore put back {back} rows but took {emptied} out of quarantine; rolled back"
            )));
        }
        self.execute(conn, self.render(q::RESTORE_JOURNAL, &[], lists, &[]))
            .await?;
        let rows = back.to_string();
        self.execute(
            conn,
            self.render(
                q::RESTORE_FINISH,
                &[("rows", &rows)],
                &[("now", &[now.to_string()]), ("run", &run_list)],
                &[],
            ),
        )
        .await?;
        Ok(back)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_bytes_read_as_the_plan_writes_them() {
        assert_eq!(to_hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        let digest = blake3::hash(b"row");
        assert_eq!(to_hex(digest.as_bytes()), digest.to_hex().to_string());
    }
}
