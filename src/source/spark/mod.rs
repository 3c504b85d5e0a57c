//! Apache Spark, through Spark Connect: results and logs kept in a data lake, as
//! files the cluster reads (Parquet, CSV or JSON lines, at any path it reaches:
//! `s3a://`, `hdfs://`, a local folder) or as tables of its catalog.
//!
//! In: an `sc://` URL, where the two tables are, and the spec. Out: a [`Dataset`]
//! of what can carry a finding, as the files source hands it (see
//! `files/pushdown.rs`, its closest relative): the grouping and the class
//! pre-filters run on the cluster as Spark SQL, and only keys, counts and the rows
//! of the keys that can carry a finding come back, in Arrow batches. The scan then
//! classifies them as it classifies every source's rows.
//!
//! Steps of a scan:
//! 1. Each table registered as a temporary view of the session, its columns read,
//!    checked against the spec, and projected as the pre-filters read them
//!    (`r0`.., `l0`..; see [`crate::source::views`]).
//! 2. The log's status values and their rows (`statuses.sql`), when a checked class
//!    reads the log as a whole.
//! 3. One grouping of the results by key (`spark/keys_counted.sql`): the keys of
//!    several rows and the totals. Over a window (`--since`, `--until`), the keys
//!    touched in it become a view and the totals are the window's
//!    (`totals_window.sql`).
//! 4. The keys of the other checked classes: each class's own pre-filter
//!    ([`crate::classes::Check::prefilter`]) rendered in Spark SQL; with the
//!    duplicated keys they are sent back as a view, kept to the touched keys over a
//!    window, and every result row and log row of those keys is read by a
//!    semi-join on the cluster.
//! 5. The NULL-key rows (`null_keys.sql`).
//! 6. Cross-key, when checked: every keyed payload read in Arrow batches and hashed,
//!    twice, as a database's are (`keyed_rows.sql`): 16 bytes a row are kept.

mod session;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use polars::prelude::*;
use spark_connect_proto as proto;

use self::session::Session;
use super::database::{hash_key, shared_payloads};
use super::files::{key_frame, text_cells};
use super::views::{k, l, r, Layout, Spellings, LOG_VIEW, RESULTS_VIEW};
use crate::canonical::{Canonicalizer, Quick};
use crate::error::Error;
use crate::findings::{Class, NON_JSON_LISTED};
use crate::model::{
    Counts, Dataset, Key, LogEntry, LogProjection, ResultProjection, ResultRow, SourceInfo,
};
use crate::progress::Progress;
use crate::source::check_columns;
use crate::spec::{AuditSpec, EpochUnit, TimeWindow};
use crate::sql::queries::scan as q;
use crate::sql::queries::scan::spark as sq;
use crate::sql::{self, quote_spark, spark_literal};

/// The views of the two tables as they are stored, before the projection.
const RESULTS_SOURCE: &str = "dupaudit_results_source";
const LOG_SOURCE: &str = "dupaudit_log_source";
/// The keys sent to the cluster, the keys kept, and those touched in a window.
const CANDIDATES: &str = "dupaudit_candidates";
const KEYS: &str = "dupaudit_keys";
const TOUCHED: &str = "dupaudit_touched";

/// From this many result rows on, a scan that checks cross-key says what it costs.
const CROSS_KEY_NOTICE_ROWS: u64 = 1_000_000;

/// The file formats Spark reads for dupaudit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SparkFormat {
    Parquet,
    Csv,
    /// JSON lines (one object a line), which Spark's `json` reader reads.
    Json,
}

impl SparkFormat {
    /// The format a spec's `format` names.
    pub fn named(name: &str) -> Option<SparkFormat> {
        match name.to_ascii_lowercase().as_str() {
            "parquet" => Some(SparkFormat::Parquet),
            "csv" => Some(SparkFormat::Csv),
            "json" | "ndjson" | "jsonl" => Some(SparkFormat::Json),
            _ => None,
        }
    }

    /// The format a path's extension names.
    fn of(path: &str) -> Option<SparkFormat> {
        let name = path.trim_end_matches('/');
        let ext = name.rsplit_once('.').map(|(_, e)| e)?;
        match ext.to_ascii_lowercase().as_str() {
            "parquet" | "pq" => Some(SparkFormat::Parquet),
            "csv" => Some(SparkFormat::Csv),
            "json" | "ndjson" | "jsonl" => Some(SparkFormat::Json),
            _ => None,
        }
    }

    /// Spark's name of its reader.
    fn reader(self) -> &'static str {
        match self {
            SparkFormat::Parquet => "parquet",
            SparkFormat::Csv => "csv",
            SparkFormat::Json => "json",
        }
    }
}

/// A table as the cluster reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SparkTable {
    /// Files at a path the cluster reads (a file or a folder of files).
    Files { path: String, format: SparkFormat },
    /// A table of the cluster's catalog, by the parts of its name.
    Catalog(Vec<String>),
}

impl SparkTable {
    /// Files at `path`, in `format` or else the format its extension names. A
    /// local path is made absolute, since the cluster does not run in this
    /// folder; a URL (`s3a://…`, `file:/…`) is handed over as it is.
    pub fn files(path: &Path, format: Option<&str>) -> Result<SparkTable, Error> {
        let text = path.to_string_lossy().to_string();
        let format = match format {
            Some(name) => SparkFormat::named(name).ok_or_else(|| {
                Error::Usage(format!(
                    "format `{name}` is not one Spark reads for dupaudit; use parquet, csv or json"
                ))
            })?,
            None => SparkFormat::of(&text).ok_or_else(|| Error::File {
                file: path.to_path_buf(),
                message: "cannot tell the format from the name; use .parquet, .csv or \
                          .json/.ndjson/.jsonl, or set [source] format = \"parquet\" (csv, json) \
                          in the spec"
                    .into(),
            })?,
        };
        let path = match text.contains(':') {
            true => text,
            false => std::path::absolute(path)
                .map_err(|e| Error::File {
                    file: path.to_path_buf(),
                    message: e.to_string(),
                })?
                .to_string_lossy()
                .to_string(),
        };
        Ok(SparkTable::Files { path, format })
    }

    /// A catalog table named `schema.name` (either may hold dots: `lake.pipeline`).
    pub fn catalog(schema: Option<&str>, name: &str) -> SparkTable {
        let parts = schema
            .into_iter()
            .flat_map(|s| s.split('.'))
            .chain(name.split('.'))
            .map(str::to_string)
            .collect();
        SparkTable::Catalog(parts)
    }

    /// How reports and errors name it.
    fn name(&self) -> String {
        match self {
            SparkTable::Files { path, .. } => path.clone(),
            SparkTable::Catalog(parts) => parts.join("."),
        }
    }

    /// The relation that reads it.
    fn relation(&self) -> proto::Relation {
        let read_type = match self {
            SparkTable::Files { path, format } => {
                let mut options = std::collections::HashMap::new();
                if *format == SparkFormat::Csv {
                    // Every column read as text (Spark guesses no types unless
                    // asked), so `007` stays `007`; a quote inside a field is
                    // doubled and a quoted field may span lines, as in every CSV
                    // dupaudit reads (Spark's defaults: a backslash, one line).
                    options.insert("header".to_string(), "true".to_string());
                    options.insert("escape".to_string(), "\"".to_string());
                    options.insert("multiLine".to_string(), "true".to_string());
                }
                proto::read::ReadType::DataSource(proto::read::DataSource {
                    format: Some(format.reader().to_string()),
                    options,
                    paths: vec![path.clone()],
                    ..Default::default()
                })
            }
            SparkTable::Catalog(parts) => {
                let quoted: Vec<String> = parts.iter().map(|p| quote_spark(p)).collect();
                proto::read::ReadType::NamedTable(proto::read::NamedTable {
                    unparsed_identifier: quoted.join("."),
                    options: Default::default(),
                })
            }
        };
        proto::Relation {
            common: None,
            rel_type: Some(proto::relation::RelType::Read(proto::Read {
                read_type: Some(read_type),
                is_streaming: false,
            })),
        }
    }
}

/// The results and the log on a Spark cluster.
#[derive(Debug, Clone)]
pub struct SparkSource {
    /// The `sc://` URL as given: it may hold a token, so it is never shown.
    url: String,
    results: SparkTable,
    log: SparkTable,
    connect_timeout: Duration,
}

impl SparkSource {
    pub fn new(
        url: &str,
        results: SparkTable,
        log: SparkTable,
        connect_timeout: Duration,
    ) -> Result<SparkSource, Error> {
        spark_connect_core::ChannelBuilder::parse(url).map_err(|e| {
            Error::Usage(format!(
                "Spark URL {}: {}",
                redact_spark_url(url),
                e.message()
            ))
        })?;
        Ok(SparkSource {
            url: url.to_string(),
            results,
            log,
            connect_timeout,
        })
    }

    /// The server, without the URL's token.
    pub fn location(&self) -> String {
        redact_spark_url(&self.url)
    }

    pub fn info(&self) -> SourceInfo {
        SourceInfo {
            kind: "spark".into(),
            location: self.location(),
            results: self.results.name(),
            log: self.log.name(),
        }
    }

    /// Reads what the scan needs (see the steps above).
    pub async fn load(&self, spec: &AuditSpec, progress: &Progress) -> Result<Dataset, Error> {
        progress.phase("connecting to Spark, reading the tables' columns");
        let t = Tables::open(self, spec).await?;
        t.read(spec, progress).await
    }

    /// Every result row and log row of `keys`, for `explain` and the keys an
    /// incremental run carries over.
    pub async fn load_keys(&self, spec: &AuditSpec, keys: &[Key]) -> Result<Dataset, Error> {
        let t = Tables::open(self, spec).await?;
        t.send_keys(KEYS, keys).await?;
        let (results, log) = (t.result_rows(KEYS).await?, t.log_entries(KEYS).await?);
        Ok(Dataset::complete(
            spec,
            t.payload_columns.clone(),
            results,
            log,
        ))
    }

    /// At most `n` keys of the results that begin as `key` does (`similar_keys.sql`).
    pub async fn similar_keys(
        &self,
        spec: &AuditSpec,
        key: &Key,
        n: usize,
    ) -> Result<Vec<Key>, Error> {
        let t = Tables::open(self, spec).await?;
        let fragments = t.layout.prefilter_fragments();
        let k_text: Vec<String> = (0..t.layout.r_key).map(k).collect();
        let last = format!("r.{}", r(t.layout.r_pk + t.layout.r_key - 1));
        let (k_text, limit) = (k_text.join(", "), n.to_string());
        let mut fragments = strs(&fragments);
        fragments.extend([
            ("k_text", k_text.as_str()),
            ("r_last_text", last.as_str()),
            ("limit", limit.as_str()),
        ]);
        for prefix in crate::vocab::prefixes(&key[key.len() - 1]) {
            let pattern = [sql::like_prefix(&prefix)];
            let sql = sql::render_inline(
                q::SIMILAR_KEYS,
                &fragments,
                &[("prefix", &pattern)],
                spark_literal,
            );
            let df = t.session.frame(&sql).await?;
            let names: Vec<String> = (0..t.layout.r_key).map(k).collect();
            let keys: Vec<Key> = t
                .cells(df, &names)?
                .into_iter()
                .filter_map(|cells| cells.into_iter().collect::<Option<Key>>())
                .collect();
            if !keys.is_empty() {
                return Ok(keys);
            }
        }
        Ok(Vec::new())
    }
}

/// `sc://host:port` of an `sc://` URL: its parameters (`token=`, and any other
/// that a server might read as a secret) and any user part are left out.
pub fn redact_spark_url(url: &str) -> String {
    let Some(rest) = url.strip_prefix("sc://") else {
        return crate::vocab::redact_url(url);
    };
    let end = rest.find(['/', '?', '#', ';']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let tail = &rest[end..];
    let ssl = tail.to_ascii_lowercase().contains("use_ssl=true");
    match ssl {
        true => format!("sc://{host}/;use_ssl=true"),
        false => format!("sc://{host}"),
    }
}

/// `(name, text)` pairs as the renderers take them.
fn strs<'a>(owned: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    owned.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

/// The session with both tables registered and projected, and how to read them.
struct Tables {
    session: Session,
    location: String,
    results_name: String,
    rp: ResultProjection,
    lp: LogProjection,
    layout: Layout,
    payload_columns: Vec<String>,
    /// The Spark type of each column of `rp.columns` and of `lp.columns`.
    results_types: Vec<String>,
    log_types: Vec<String>,
}

impl Tables {
    /// 1. Registers both tables, checks their columns against the spec and creates
    ///    the projected views the pre-filters read.
    async fn open(source: &SparkSource, spec: &AuditSpec) -> Result<Tables, Error> {
        let location = source.location();
        let session = Session::open(&source.url, &location, source.connect_timeout).await?;
        session
            .create_view(RESULTS_SOURCE, source.results.relation())
            .await?;
        session
            .create_view(LOG_SOURCE, source.log.relation())
            .await?;
        let results_columns = describe(&session, RESULTS_SOURCE).await?;
        let log_columns = describe(&session, LOG_SOURCE).await?;
        let names = |columns: &[(String, String)]| -> Vec<String> {
            columns.iter().map(|(n, _)| n.clone()).collect()
        };
        let (results_name, log_name) = (source.results.name(), source.log.name());
        let payload_columns = spec.results.payload_columns(&names(&results_columns));
        let rp = ResultProjection::new(spec, &payload_columns);
        check_columns(
            &results_name,
            &names(&results_columns),
            &rp.columns,
            &rp.fields,
        )?;
        let lp = LogProjection::new(spec);
        check_columns(&log_name, &names(&log_columns), &lp.columns, &lp.fields)?;
        let type_of = |columns: &[(String, String)], wanted: &[String]| -> Vec<String> {
            wanted
                .iter()
                .map(|w| {
                    columns
                        .iter()
                        .find(|(n, _)| n == w)
                        .map(|(_, t)| t.to_ascii_lowercase())
                        .unwrap_or_default()
                })
                .collect()
        };
        let layout = Layout::of(spec);
        let t = Tables {
            results_types: type_of(&results_columns, &rp.columns),
            log_types: type_of(&log_columns, &lp.columns),
            session,
            location,
            results_name,
            rp,
            lp,
            layout,
            payload_columns,
        };
        let columns = projected(&t.rp.columns, &t.results_types, r, &t.layout.r_text());
        t.create_view(RESULTS_VIEW, &columns, RESULTS_SOURCE)
            .await?;
        let columns = projected(&t.lp.columns, &t.log_types, l, &t.layout.l_text());
        t.create_view(LOG_VIEW, &columns, LOG_SOURCE).await?;
        Ok(t)
    }

    async fn create_view(&self, view: &str, columns: &str, source: &str) -> Result<(), Error> {
        let query = sql::render_inline(
            sq::PROJECTION,
            &[("columns", columns), ("source", source)],
            &[],
            spark_literal,
        );
        self.view(view, &query).await
    }

    /// Defines the temporary view `view` as `query`.
    async fn view(&self, view: &str, query: &str) -> Result<(), Error> {
        let sql = sql::render_inline(
            sq::VIEW,
            &[("view", view), ("query", query)],
            &[],
            spark_literal,
        );
        self.session.run(&sql).await
    }

    /// Steps 2 to 6.
    async fn read(&self, spec: &AuditSpec, progress: &Progress) -> Result<Dataset, Error> {
        let checks = spec.scan.checks();
        let duplicates = checks.contains(&Class::Exact) || checks.contains(&Class::Conflict);
        let log_counted = crate::classes::needs(&checks).whole_log;
        let window = spec.scan.window;
        let fragments = self.layout.prefilter_fragments();

        // 2.
        let spellings = match log_counted {
            true => {
                progress.phase("reading the log's status values on the cluster");
                let status = format!("l.{}", l(self.layout.l_status));
                let mut f = strs(&fragments);
                f.push(("status_text", &status));
                let sql = sql::render_inline(q::STATUSES, &f, &[], spark_literal);
                let df = self.session.frame(&sql).await?;
                let values = self.texts(&df, "status")?;
                let counts = self.u64s(&df, "n")?;
                Some(Spellings::of(
                    spec,
                    values.iter().map(|v| v.as_deref()).zip(counts),
                ))
            }
            false => None,
        };

        // 3.
        progress.phase("grouping the results by key on the cluster");
        let counted = self.keys_counted(&fragments).await?;
        let mut counts = Counts {
            result_rows: counted.rows,
            log_rows: spellings.as_ref().map(|s| s.rows),
            keys: counted.keys,
            null_key_rows: counted.null_rows,
            unknown_statuses: spellings
                .as_ref()
                .map(|s| s.unknown_values.clone().into_iter().collect()),
            non_json_payloads: None,
            malformed: Vec::new(),
            redis: None,
        };
        if let Some(w) = window {
            progress.phase("counting the window's rows and keys on the cluster");
            let [rows, null_rows, keys, log_rows] = self.window_totals(spec, w, &fragments).await?;
            counts.result_rows = rows;
            counts.null_key_rows = null_rows;
            counts.keys = keys;
            counts.log_rows = Some(log_rows);
        }

        // 4.
        progress.phase("finding the keys that can carry a finding on the cluster");
        let spellings = spellings.unwrap_or_default();
        let mut candidates: Vec<Key> = match duplicates {
            true => counted.duplicated,
            false => Vec::new(),
        };
        let lists = spellings.lists();
        for template in crate::classes::prefilters(&checks)
            .into_iter()
            .filter(|t| *t != crate::sql::queries::KEYS_DUPLICATED)
        {
            let sql = sql::render_inline(template, &strs(&fragments), &lists, spark_literal);
            let df = self.session.frame(&sql).await?;
            candidates.extend(self.keys(df)?);
        }
        let (mut results, mut log) = match candidates.is_empty() {
            true => (Vec::new(), Vec::new()),
            false => {
                let unique: BTreeSet<Key> = candidates.into_iter().collect();
                let candidates: Vec<Key> = unique.into_iter().collect();
                self.send_keys(CANDIDATES, &candidates).await?;
                let kept = match window {
                    Some(_) => {
                        let matched = self.key_match("c", "t");
                        let query = sql::render_inline(
                            sq::KEYS_KEPT,
                            &[
                                ("candidates", CANDIDATES),
                                ("touched", TOUCHED),
                                ("match", &matched),
                            ],
                            &[],
                            spark_literal,
                        );
                        self.view(KEYS, &query).await?;
                        KEYS
                    }
                    None => CANDIDATES,
                };
                progress.phase(&format!(
                    "reading the rows of up to {} keys",
                    candidates.len()
                ));
                (self.result_rows(kept).await?, self.log_entries(kept).await?)
            }
        };

        // 5.
        if checks.contains(&Class::NullKey) {
            progress.phase("reading rows whose key is NULL");
            let columns = self.r_columns();
            let mut f = strs(&fragments);
            let null = self.r_key_null();
            f.extend([
                ("r_columns", columns.as_str()),
                ("r_key_null", null.as_str()),
                ("r_window_and", ""),
            ]);
            let sql = sql::render_inline(q::NULL_KEYS, &f, &[], spark_literal);
            results.extend(self.rows_of(&sql).await?.into_iter().filter(|row| {
                window.is_none_or(|w| row.written_at.is_some_and(|at| w.contains(at)))
            }));
        }

        // 6.
        if checks.contains(&Class::CrossKey) {
            if counts.result_rows >= CROSS_KEY_NOTICE_ROWS {
                tracing::warn!(
                    "cross-key detection reads and hashes every one of the {} payloads, twice: \
                     on a table this size it takes longer than all the other checks together; \
                     `--classes` without cross-key, or `[scan] cross_key = false` in the spec, skips it",
                    counts.result_rows
                );
            }
            let json_columns: Vec<bool> = self
                .payload_columns
                .iter()
                .map(|c| spec.results.json.contains(c))
                .collect();
            let canon = Canonicalizer::new(json_columns, &spec.results.ignore_fields);
            let (copies, non_json) = self
                .cross_key_rows(&fragments, &canon, window, counted.rows, progress)
                .await?;
            counts.non_json_payloads = Some(non_json);
            let new_keys = super::add_copies(&mut results, &log, copies);
            if !new_keys.is_empty() {
                self.send_keys(KEYS, &new_keys).await?;
                log.extend(self.log_entries(KEYS).await?);
            }
        }

        Ok(Dataset {
            json_columns: self
                .payload_columns
                .iter()
                .map(|c| spec.results.json.contains(c))
                .collect(),
            payload_columns: self.payload_columns.clone(),
            results,
            log,
            counts: Some(counts),
        })
    }

    /// The keys of several rows and the totals, in one grouping.
    async fn keys_counted(&self, fragments: &[(&'static str, String)]) -> Result<Counted, Error> {
        let ks: Vec<String> = (0..self.layout.r_key).map(k).collect();
        let not_null: Vec<String> = ks.iter().map(|k| format!("{k} IS NOT NULL")).collect();
        let nulls = vec!["NULL"; ks.len()];
        let (k_list, k_not_null, k_nulls) =
            (ks.join(", "), not_null.join(" AND "), nulls.join(", "));
        let mut f = strs(fragments);
        f.extend([
            ("k_list", k_list.as_str()),
            ("k_not_null", k_not_null.as_str()),
            ("k_nulls", k_nulls.as_str()),
        ]);
        let sql = sql::render_inline(sq::KEYS_COUNTED, &f, &[], spark_literal);
        let df = self.session.frame(&sql).await?;
        let summary: Vec<bool> = match df.width() {
            0 => Vec::new(),
            _ => df
                .column("summary")
                .and_then(|c| {
                    c.bool()
                        .map(|b| b.iter().map(|v| v == Some(true)).collect())
                })
                .map_err(|e| self.error(e))?,
        };
        let (n, keys, null_rows) = (
            self.u64s(&df, "n")?,
            self.u64s(&df, "keys")?,
            self.u64s(&df, "null_rows")?,
        );
        let texts: Vec<Vec<Option<String>>> = ks
            .iter()
            .map(|c| self.texts(&df, c))
            .collect::<Result<_, _>>()?;
        let mut out = Counted::default();
        for i in 0..summary.len() {
            if summary[i] {
                (out.rows, out.keys, out.null_rows) = (n[i], keys[i], null_rows[i]);
            } else if let Some(key) = texts.iter().map(|c| c[i].clone()).collect() {
                // A group whose key has a NULL column is no key (None above).
                out.duplicated.push(key);
            }
        }
        Ok(out)
    }

    /// The window's result rows, NULL-key rows, touched keys and log rows
    /// (`totals_window.sql`); the touched keys become the view [`TOUCHED`].
    async fn window_totals(
        &self,
        spec: &AuditSpec,
        w: TimeWindow,
        fragments: &[(&'static str, String)],
    ) -> Result<[u64; 4], Error> {
        let clock = |zone: &Option<String>| zone.as_deref().and_then(|z| z.parse().ok());
        let (r_zone, l_zone) = (clock(&spec.results.time_zone), clock(&spec.log.time_zone));
        let r_in = match self.layout.r_ts {
            Some(i) => in_window(
                &format!("r.{}", r(i)),
                &self.results_types[i],
                r_zone,
                spec.results.epoch_unit,
                w,
            ),
            None => "FALSE".into(),
        };
        let time = |i: usize| {
            in_window(
                &format!("l.{}", l(i)),
                &self.log_types[i],
                l_zone,
                spec.log.epoch_unit,
                w,
            )
        };
        let created = self.layout.l_status + 1;
        let l_created = time(created);
        let l_updated = match spec.log.updated_at {
            Some(_) => format!("OR {}", time(created + 1)),
            None => String::new(),
        };
        let touched: String = q::TOUCHED
            .lines()
            .filter(|line| !line.starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        let null = self.r_key_null();
        let mut f = strs(fragments);
        f.extend([
            ("r_in_window", r_in.as_str()),
            ("l_created_in_window", l_created.as_str()),
            ("l_updated_in_window", l_updated.as_str()),
            ("r_key_null", null.as_str()),
        ]);
        let touched = sql::render_inline(&touched, &f, &[], spark_literal);
        self.view(TOUCHED, &touched).await?;
        f.push(("touched_select", TOUCHED_SELECT));
        let sql = sql::render_inline(q::TOTALS_WINDOW, &f, &[], spark_literal);
        let df = self.session.frame(&sql).await?;
        let mut out = [0u64; 4];
        for (i, name) in ["result_rows", "null_key_rows", "key_count", "log_rows"]
            .into_iter()
            .enumerate()
        {
            out[i] = self.u64s(&df, name)?.first().copied().unwrap_or(0);
        }
        Ok(out)
    }

    /// Step 6: pass 1 hashes every keyed payload and keeps its hash and its key's
    /// (16 bytes a row); pass 2 reads them again and keeps the rows whose payload
    /// appears under several keys. Over a window, only rows written in it count.
    async fn cross_key_rows(
        &self,
        fragments: &[(&'static str, String)],
        canon: &Canonicalizer,
        window: Option<TimeWindow>,
        rows: u64,
        progress: &Progress,
    ) -> Result<(Vec<ResultRow>, (u64, Vec<Vec<String>>)), Error> {
        let columns = self.r_columns();
        let mut f = strs(fragments);
        f.extend([("r_columns", columns.as_str()), ("r_window_and", "")]);
        let sql = sql::render_inline(q::KEYED_ROWS, &f, &[], spark_literal);

        progress.phase("cross-key pass 1 of 2: hashing every payload");
        let mut pairs: Vec<(u64, u64)> = Vec::with_capacity(rows as usize);
        let mut non_json = 0u64;
        self.each_payload(&sql, canon, window, progress, |row, c| {
            non_json += c.non_json as u64;
            let key = row.key.as_ref().expect("keyed rows have keys");
            pairs.push((c.hash, hash_key(key)));
        })
        .await?;
        let shared = shared_payloads(pairs);
        let mut out = Vec::new();
        let mut listed = Vec::new();
        if shared.is_empty() && non_json == 0 {
            return Ok((out, (0, listed)));
        }
        progress.phase("cross-key pass 2 of 2: reading the shared payloads");
        self.each_payload(&sql, canon, window, progress, |row, c| {
            if c.non_json && listed.len() < NON_JSON_LISTED {
                listed.push(row.pk.clone());
            }
            if shared.contains(&c.hash) {
                out.push(row);
            }
        })
        .await?;
        Ok((out, (non_json, listed)))
    }

    /// Hands each row `sql` returns (over a window, each written in it) to `each`
    /// with its payload's quick hash ([`Canonicalizer::quick_hash`]), batch by batch.
    async fn each_payload(
        &self,
        sql: &str,
        canon: &Canonicalizer,
        window: Option<TimeWindow>,
        progress: &Progress,
        mut each: impl FnMut(ResultRow, Quick),
    ) -> Result<(), Error> {
        let names: Vec<String> = (0..self.rp.columns.len()).map(r).collect();
        self.session
            .batches(sql, |df| {
                progress.rows(df.height() as u64);
                for cells in self.cells(df, &names)? {
                    let row = self.rp.row(cells)?;
                    if window.is_none_or(|w| row.written_at.is_some_and(|at| w.contains(at))) {
                        let c = canon.quick_hash(&row.payload);
                        each(row, c);
                    }
                }
                Ok(())
            })
            .await
    }

    /// Sends `keys` to the cluster as the view `view` (`k0`..).
    async fn send_keys(&self, view: &str, keys: &[Key]) -> Result<(), Error> {
        let mut frame = key_frame(self.layout.r_key, keys).map_err(|e| self.error(e))?;
        self.session.upload(view, &mut frame).await
    }

    /// Every result row whose key is in the view `keys`.
    async fn result_rows(&self, keys: &str) -> Result<Vec<ResultRow>, Error> {
        let columns: Vec<String> = (0..self.rp.columns.len()).map(r).collect();
        let key: Vec<String> = (0..self.layout.r_key)
            .map(|j| r(self.layout.r_pk + j))
            .collect();
        let sql = self.rows_of_keys(RESULTS_VIEW, &columns, &key, keys);
        self.rows_of(&sql).await
    }

    /// Every log row whose key is in the view `keys`.
    async fn log_entries(&self, keys: &str) -> Result<Vec<LogEntry>, Error> {
        let columns: Vec<String> = (0..self.lp.columns.len()).map(l).collect();
        let key: Vec<String> = (0..self.layout.r_key).map(l).collect();
        let sql = self.rows_of_keys(LOG_VIEW, &columns, &key, keys);
        let df = self.session.frame(&sql).await?;
        self.cells(df, &columns)?
            .into_iter()
            .map(|cells| self.lp.entry(cells))
            .collect()
    }

    fn rows_of_keys(&self, table: &str, columns: &[String], key: &[String], keys: &str) -> String {
        let selected: Vec<String> = columns.iter().map(|c| format!("t.{c}")).collect();
        let matched: Vec<String> = key
            .iter()
            .enumerate()
            .map(|(j, c)| format!("t.{c} = k.{}", k(j)))
            .collect();
        let (selected, matched) = (selected.join(", "), matched.join(" AND "));
        sql::render_inline(
            sq::ROWS_OF_KEYS,
            &[
                ("columns", &selected),
                ("table", table),
                ("keys", keys),
                ("match", &matched),
            ],
            &[],
            spark_literal,
        )
    }

    /// The result rows a query of `r0`.. returns.
    async fn rows_of(&self, sql: &str) -> Result<Vec<ResultRow>, Error> {
        let names: Vec<String> = (0..self.rp.columns.len()).map(r).collect();
        let df = self.session.frame(sql).await?;
        self.cells(df, &names)?
            .into_iter()
            .map(|cells| self.rp.row(cells))
            .collect()
    }

    /// `r.r0, r.r1, ..`: every projected column of the results.
    fn r_columns(&self) -> String {
        let columns: Vec<String> = (0..self.rp.columns.len())
            .map(|i| format!("r.{}", r(i)))
            .collect();
        columns.join(", ")
    }

    /// True when a column of the row's key is NULL.
    fn r_key_null(&self) -> String {
        let each: Vec<String> = self
            .layout
            .r_key("r")
            .into_iter()
            .map(|c| format!("{c} IS NULL"))
            .collect();
        format!("({})", each.join(" OR "))
    }

    /// `a.k0 = b.k0 AND ..`.
    fn key_match(&self, a: &str, b: &str) -> String {
        let each: Vec<String> = (0..self.layout.r_key)
            .map(|j| format!("{a}.{} = {b}.{}", k(j), k(j)))
            .collect();
        each.join(" AND ")
    }

    /// The keys (`k0`..) of a frame; a key with a NULL part is left out.
    fn keys(&self, df: DataFrame) -> Result<Vec<Key>, Error> {
        let names: Vec<String> = (0..self.layout.r_key).map(k).collect();
        Ok(self
            .cells(df, &names)?
            .into_iter()
            .filter_map(|cells| cells.into_iter().collect::<Option<Key>>())
            .collect())
    }

    /// The columns `names` of a frame Spark returned, as text; no rows when Spark
    /// sent no batch at all.
    fn cells(&self, df: DataFrame, names: &[String]) -> Result<Vec<Vec<Option<String>>>, Error> {
        if df.width() == 0 {
            return Ok(Vec::new());
        }
        text_cells(df.lazy(), names, &|message| Error::Query {
            location: self.location.clone(),
            message: format!("reading {}: {message}", self.results_name),
        })
    }

    /// One text column of a small frame.
    fn texts(&self, df: &DataFrame, name: &str) -> Result<Vec<Option<String>>, Error> {
        let cells = self.cells(df.clone(), &[name.to_string()])?;
        Ok(cells.into_iter().map(|mut c| c.remove(0)).collect())
    }

    /// One count column of a small frame.
    fn u64s(&self, df: &DataFrame, name: &str) -> Result<Vec<u64>, Error> {
        if df.width() == 0 {
            return Ok(Vec::new());
        }
        let c = df
            .column(name)
            .and_then(|c| c.cast(&DataType::UInt64))
            .map_err(|e| self.error(e))?;
        let values = c.u64().map_err(|e| self.error(e))?;
        Ok(values.iter().map(|v| v.unwrap_or(0)).collect())
    }

    fn error(&self, e: PolarsError) -> Error {
        Error::Query {
            location: self.location.clone(),
            message: e.to_string(),
        }
    }
}

/// What the one grouping of step 3 found.
#[derive(Default)]
struct Counted {
    rows: u64,
    keys: u64,
    null_rows: u64,
    duplicated: Vec<Key>,
}

/// The touched keys, as `totals_window.sql` counts them.
const TOUCHED_SELECT: &str = "SELECT * FROM dupaudit_touched";

/// The columns (name, Spark type) of the view `view`, partition notes left out.
async fn describe(session: &Session, view: &str) -> Result<Vec<(String, String)>, Error> {
    let sql = sql::render_inline(sq::DESCRIBE, &[("view", view)], &[], spark_literal);
    let df = session.frame(&sql).await?;
    if df.width() == 0 {
        return Ok(Vec::new());
    }
    let cells = text_cells(
        df.lazy(),
        &["col_name".to_string(), "data_type".to_string()],
        &|message| Error::Runtime(format!("cannot read the columns of {view}: {message}")),
    )?;
    let mut out = Vec::new();
    for row in cells {
        let mut row = row.into_iter();
        let (Some(Some(name)), Some(Some(ty))) = (row.next(), row.next()) else {
            continue;
        };
        // A partitioned table lists its partition columns again after a `#` line.
        if name.is_empty() || name.starts_with('#') {
            break;
        }
        out.push((name, ty));
    }
    Ok(out)
}

/// The select list of a projected view: each of `columns` (of Spark types `types`)
/// renamed by `name`; those at `text` as text; a nested value (struct, array, map)
/// as its JSON, which the scan compares as it compares a database's JSON column.
fn projected(
    columns: &[String],
    types: &[String],
    name: fn(usize) -> String,
    text: &[usize],
) -> String {
    let each: Vec<String> = columns
        .iter()
        .zip(types)
        .enumerate()
        .map(|(i, (c, t))| {
            let quoted = quote_spark(c);
            let nested = ["struct", "array", "map"].iter().any(|n| t.starts_with(n));
            let expr = match (nested, text.contains(&i)) {
                (true, _) => format!("to_json({quoted})"),
                (false, true) => format!("CAST({quoted} AS STRING)"),
                (false, false) => quoted,
            };
            format!("{expr} AS {}", name(i))
        })
        .collect();
    each.join(", ")
}

/// `column` (of Spark type `ty`) in `[since, until)`, compared as the scan reads
/// it: a zoned timestamp as its instant; a naive one or a date as a wall-clock time
/// in the table's `zone`; an integer as a count of `epoch` units; text as Spark
/// reads it, in `zone` when it names no offset.
fn in_window(
    column: &str,
    ty: &str,
    zone: Option<chrono_tz::Tz>,
    epoch: EpochUnit,
    w: TimeWindow,
) -> String {
    let between = |expr: &str, since: String, until: String| {
        format!("({expr} >= {since} AND {expr} < {until})")
    };
    let instant = |t: chrono::DateTime<chrono::Utc>| {
        format!(
            "CAST({} AS TIMESTAMP)",
            spark_literal(&t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        )
    };
    let wall = |t: chrono::DateTime<chrono::Utc>| {
        let naive = match zone {
            Some(z) => t.with_timezone(&z).naive_local(),
            None => t.naive_utc(),
        };
        format!(
            "CAST({} AS TIMESTAMP_NTZ)",
            spark_literal(&naive.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
        )
    };
    let zone_name = zone.map_or("UTC".to_string(), |z| z.name().to_string());
    match ty {
        "timestamp" | "timestamp_ltz" => between(column, instant(w.since), instant(w.until)),
        "timestamp_ntz" => between(column, wall(w.since), wall(w.until)),
        "date" => between(
            &format!("CAST({column} AS TIMESTAMP_NTZ)"),
            wall(w.since),
            wall(w.until),
        ),
        "tinyint" | "smallint" | "int" | "bigint" => {
            let count = |t: chrono::DateTime<chrono::Utc>| -> i64 {
                match epoch {
                    EpochUnit::Seconds => t.timestamp(),
                    EpochUnit::Milliseconds => t.timestamp_millis(),
                    EpochUnit::Microseconds => t.timestamp_micros(),
                }
            };
            between(
                column,
                count(w.since).to_string(),
                count(w.until).to_string(),
            )
        }
        _ => {
            let read = format!(
                "CASE WHEN trim({column}) RLIKE '(Z|z|[+-][0-9][0-9](:?[0-9][0-9])?| UTC)$' \
                 THEN CAST(trim({column}) AS TIMESTAMP) \
                 ELSE to_utc_timestamp(CAST(trim({column}) AS TIMESTAMP_NTZ), {}) END",
                spark_literal(&zone_name)
            );
            between(&read, instant(w.since), instant(w.until))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spark_url_is_shown_without_its_token() {
        let shown = redact_spark_url("sc://lake.internal:15002/;token=s3cret;use_ssl=true");
        assert_eq!(shown, "sc://lake.internal:15002/;use_ssl=true");
        assert_eq!(
            redact_spark_url("sc://127.0.0.1:15002"),
            "sc://127.0.0.1:15002"
        );
        assert!(!redact_spark_url("sc://u:pw@host:1/;token=t").contains("pw"));
    }

    #[test]
    fn a_local_path_is_made_absolute_and_a_url_is_kept() {
        let local = SparkTable::files(Path::new("data/results.parquet"), None).unwrap();
        let SparkTable::Files { path, format } = local else {
            panic!("files")
        };
        assert!(path.starts_with('/') && path.ends_with("data/results.parquet"));
        assert_eq!(format, SparkFormat::Parquet);
        let lake = SparkTable::files(Path::new("s3a://lake/results/"), Some("csv")).unwrap();
        assert_eq!(
            lake,
            SparkTable::Files {
                path: "s3a://lake/results/".into(),
                format: SparkFormat::Csv
            }
        );
        let unnamed = SparkTable::files(Path::new("s3a://lake/results/"), None).unwrap_err();
        assert!(unnamed.to_string().contains("format"), "{unnamed}");
    }

    #[test]
    fn a_catalog_table_is_quoted_part_by_part() {
        let t = SparkTable::catalog(None, "lake.pipeline.results");
        let proto::relation::RelType::Read(read) = t.relation().rel_type.unwrap() else {
            panic!("a read")
        };
        let Some(proto::read::ReadType::NamedTable(named)) = read.read_type else {
            panic!("a named table")
        };
        assert_eq!(named.unparsed_identifier, "`lake`.`pipeline`.`results`");
    }

    #[test]
    fn nested_columns_are_read_as_json_and_keys_as_text() {
        let columns = ["id".to_string(), "k".to_string(), "payload".to_string()];
        let types = [
            "bigint".to_string(),
            "int".to_string(),
            "struct<a:int>".to_string(),
        ];
        assert_eq!(
            projected(&columns, &types, r, &[1]),
            "`id` AS r0, CAST(`k` AS STRING) AS r1, to_json(`payload`) AS r2"
        );
    }
}
