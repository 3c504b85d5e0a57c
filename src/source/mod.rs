//! Sources: where result rows and log entries come from.
//!
//! In: the connection options of the command line and the spec. Out: a [`Source`]
//! that describes itself without credentials ([`SourceInfo`]) and loads a
//! [`Dataset`] for the scan. Every source reads only: databases are read in a
//! read-only transaction (SQLite is also opened read-only), files are only ever
//! opened for reading.

mod database;
mod files;
pub mod redis;
mod spark;
pub(crate) mod views;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Error;
use crate::model::{Dataset, Key, LogEntry, ResultRow, SourceInfo};
use crate::progress::Progress;
use crate::spec::AuditSpec;
pub use crate::vocab::{redact_secrets, redact_url};

pub(crate) use database::projection;
pub use database::{DatabaseOptions, DatabaseSource, InitFacts, KeyLookup, OnPart};
pub use files::{load_results as load_results_file, FileFormat, FileSource};
pub use redis::{RedisLog, RedisSource, ResultsSide};
pub use spark::{redact_spark_url, SparkFormat, SparkSource, SparkTable};

/// Where to read from, as given on the command line (each overrides the spec).
#[derive(Debug, Clone, Default)]
pub struct SourceOptions {
    pub database_url: Option<String>,
    pub results_file: Option<PathBuf>,
    pub log_file: Option<PathBuf>,
    pub connect_timeout: Option<Duration>,
    /// Longest a single query of a scan may run; `None`: no limit.
    pub statement_timeout: Option<Duration>,
    /// Slices of the key space read over as many connections (0 or 1: no split).
    pub partitions: u32,
    /// An idempotency log kept in Redis (`--log-url`), with the results read from
    /// the database or the results file.
    pub log_url: Option<String>,
    /// The certificate authority to trust for a `rediss://` log URL.
    pub log_ca: Option<PathBuf>,
    /// A Spark Connect server (`sc://`) that reads the results and the log.
    pub spark: Option<String>,
}

/// A place dupaudit reads from.
#[derive(Debug, Clone)]
pub enum Source {
    Database(DatabaseSource),
    Files(FileSource),
    /// Results in a database or a file, the log in Redis.
    Redis(Box<RedisSource>),
    /// Files or catalog tables read by a Spark cluster.
    Spark(SparkSource),
}

impl Source {
    /// Picks the source: `--database-url` (or `DATABASE_URL`), then `--spark` (or
    /// the spec's `spark`), then the file flags, then the spec's `[source]`. Paths
    /// in the spec are relative to the spec's folder. A log URL (`--log-url`, else
    /// the spec's `log_url` unless `--log-file` is given) puts the log in Redis,
    /// beside the results found the same way.
    pub fn resolve(
        opts: &SourceOptions,
        spec: &AuditSpec,
        spec_dir: &Path,
    ) -> Result<Source, Error> {
        if spec.source.format.is_some() && opts.spark.is_none() && spec.source.spark.is_none() {
            return Err(Error::Usage(
                "the spec's [source] format names the format Spark reads the files in; \
                 give a Spark server (--spark, SPARK_REMOTE or [source] spark), or leave \
                 format out: files read here take their format from their extension"
                    .into(),
            ));
        }
        if opts.database_url.is_none() {
            if let Some(url) = opts.spark.as_ref().or(spec.source.spark.as_ref()) {
                return Source::with_spark(opts, spec, spec_dir, url);
            }
        }
        let log_url = match (&opts.log_url, &opts.log_file) {
            (Some(url), _) => Some(url),
            // A log file on the command line wins over the spec's log.
            (None, Some(_)) => None,
            (None, None) => spec.source.log_url.as_ref(),
        };
        if let Some(url) = log_url {
            return Source::with_redis_log(opts, spec, spec_dir, url);
        }
        let timeout = opts.connect_timeout.unwrap_or(Duration::from_secs(10));
        let database = |url: &str, base: Option<&Path>| -> Result<Source, Error> {
            let db = DatabaseOptions {
                connect_timeout: timeout,
                statement_timeout: opts.statement_timeout,
                partitions: opts.partitions.max(1),
            };
            DatabaseSource::new(url, base, db).map(|d| Source::Database(d.fitted_to_cores()))
        };
        if let Some(url) = &opts.database_url {
            return database(url, None);
        }
        let files = |r: PathBuf, l: PathBuf| -> Result<Source, Error> {
            if opts.partitions > 1 {
                return Err(Error::Usage(
                    "--partitions splits a scan over several server connections; files are read in one process".into(),
                ));
            }
            Ok(Source::Files(FileSource::new(r, l)?))
        };
        if let (Some(r), Some(l)) = (&opts.results_file, &opts.log_file) {
            return files(r.clone(), l.clone());
        }
        if opts.results_file.is_some() || opts.log_file.is_some() {
            return Err(Error::Usage(
                "--results-file and --log-file go together: give both".into(),
            ));
        }
        let s = &spec.source;
        if let Some(url) = &s.database_url {
            return database(url, Some(spec_dir));
        }
        match (&s.results_file, &s.log_file) {
            (Some(r), Some(l)) => Ok(Source::Files(FileSource::new(
                spec_dir.join(r),
                spec_dir.join(l),
            )?)),
            (None, None) => Err(Error::NoSource),
            _ => Err(Error::Usage(
                "the spec's [source] needs both results_file and log_file".into(),
            )),
        }
    }

    /// The results and the log read by the Spark server at `url`: the file flags,
    /// else the spec's files (relative to its folder), else the spec's tables
    /// (`[results] table`, `[log] table`) in the cluster's catalog.
    fn with_spark(
        opts: &SourceOptions,
        spec: &AuditSpec,
        spec_dir: &Path,
        url: &str,
    ) -> Result<Source, Error> {
        if opts.partitions > 1 {
            return Err(Error::Usage(
                "--partitions splits a scan over several server connections; Spark splits its work itself"
                    .into(),
            ));
        }
        if opts.log_url.is_some() || spec.source.log_url.is_some() {
            return Err(Error::Usage(
                "a log kept in Redis cannot be read by Spark: give the log as files or a catalog table".into(),
            ));
        }
        let s = &spec.source;
        let format = s.format.as_deref();
        let in_spec = |p: &PathBuf| match p.to_string_lossy().contains("://") {
            true => p.clone(),
            false => spec_dir.join(p),
        };
        let (results, log) = match (&opts.results_file, &opts.log_file) {
            (Some(r), Some(l)) => (r.clone(), l.clone()),
            (None, None) => match (&s.results_file, &s.log_file) {
                (Some(r), Some(l)) => (in_spec(r), in_spec(l)),
                (None, None) => {
                    let timeout = opts.connect_timeout.unwrap_or(Duration::from_secs(10));
                    let r = &spec.results;
                    let l = &spec.log;
                    return SparkSource::new(
                        url,
                        SparkTable::catalog(r.schema.as_deref(), &r.table),
                        SparkTable::catalog(l.schema.as_deref(), &l.table),
                        timeout,
                    )
                    .map(Source::Spark);
                }
                _ => {
                    return Err(Error::Usage(
                        "the spec's [source] needs both results_file and log_file".into(),
                    ))
                }
            },
            _ => {
                return Err(Error::Usage(
                    "--results-file and --log-file go together: give both".into(),
                ))
            }
        };
        let timeout = opts.connect_timeout.unwrap_or(Duration::from_secs(10));
        SparkSource::new(
            url,
            SparkTable::files(&results, format)?,
            SparkTable::files(&log, format)?,
            timeout,
        )
        .map(Source::Spark)
    }

    /// The results (`--database-url`, `--results-file`, then the spec's `[source]`)
    /// with the log kept in Redis at `url`.
    fn with_redis_log(
        opts: &SourceOptions,
        spec: &AuditSpec,
        spec_dir: &Path,
        url: &str,
    ) -> Result<Source, Error> {
        if opts.partitions > 1 {
            return Err(Error::Usage(
                "--partitions splits a scan over several server connections; a log in Redis is read over one"
                    .into(),
            ));
        }
        let timeout = opts.connect_timeout.unwrap_or(Duration::from_secs(10));
        let log = RedisLog::new(url, spec, timeout)?.trusting(opts.log_ca.as_deref())?;
        let db = |url: &str, base: Option<&Path>| -> Result<ResultsSide, Error> {
            let options = DatabaseOptions {
                connect_timeout: timeout,
                statement_timeout: opts.statement_timeout,
                partitions: 1,
            };
            DatabaseSource::new(url, base, options).map(ResultsSide::Database)
        };
        let results = match (&opts.database_url, &opts.results_file) {
            (Some(url), _) => db(url, None)?,
            (None, Some(path)) => ResultsSide::File(path.clone()),
            (None, None) => match (&spec.source.database_url, &spec.source.results_file) {
                (Some(url), _) => db(url, Some(spec_dir))?,
                (None, Some(path)) => ResultsSide::File(spec_dir.join(path)),
                (None, None) => {
                    return Err(Error::Usage(
                        "the log is in Redis; say where the results are: --database-url, --results-file, or [source] in the spec"
                            .into(),
                    ))
                }
            },
        };
        Ok(Source::Redis(Box::new(RedisSource { results, log })))
    }

    /// The spec as this source reads it (see [`RedisSource::resolve_spec`]).
    pub fn resolve_spec(&self, spec: &AuditSpec) -> AuditSpec {
        match self {
            Source::Redis(r) => r.resolve_spec(spec),
            _ => spec.clone(),
        }
    }

    /// At most `n` keys of the results that begin as `key` does, for the error of a
    /// key no row and no log entry has.
    pub async fn similar_keys(
        &self,
        spec: &AuditSpec,
        key: &Key,
        n: usize,
    ) -> Result<Vec<Key>, Error> {
        match self {
            Source::Database(db) => db.similar_keys(spec, key, n).await,
            Source::Files(f) => files::similar_keys(f.results_path(), spec, key, n),
            Source::Spark(s) => s.similar_keys(spec, key, n).await,
            Source::Redis(r) => match &r.results {
                ResultsSide::Database(db) => db.similar_keys(spec, key, n).await,
                ResultsSide::File(path) => files::similar_keys(path, spec, key, n),
            },
        }
    }

    /// The database that holds the results table, when one does.
    pub fn results_database(&self) -> Option<&DatabaseSource> {
        match self {
            Source::Database(db) => Some(db),
            Source::Redis(r) => match &r.results {
                ResultsSide::Database(db) => Some(db),
                ResultsSide::File(_) => None,
            },
            _ => None,
        }
    }

    /// How reports name this source. Never contains a password.
    pub fn info(&self, spec: &AuditSpec) -> SourceInfo {
        match self {
            Source::Redis(r) => r.info(spec),
            Source::Database(s) => SourceInfo {
                kind: format!("{:?}", s.dialect()).to_lowercase(),
                location: s.location(),
                results: spec.results.table_name().to_string(),
                log: spec.log.table_name().to_string(),
            },
            Source::Files(f) => f.info(),
            Source::Spark(s) => s.info(),
        }
    }

    /// Reads every result row and log row of `keys`.
    pub async fn load_keys(&self, spec: &AuditSpec, keys: &[Key]) -> Result<Dataset, Error> {
        match self {
            Source::Redis(r) => r.load_keys(spec, keys).await,
            Source::Database(s) => s.load_keys(spec, keys).await,
            Source::Spark(s) => s.load_keys(spec, keys).await,
            Source::Files(f) => {
                let (f, spec, keys) = (f.clone(), spec.clone(), keys.to_vec());
                tokio::task::spawn_blocking(move || f.load_keys(&spec, &keys))
                    .await
                    .map_err(|e| Error::Runtime(format!("file reader stopped: {e}")))?
            }
        }
    }

    /// Reads the rows the scan needs, showing its progress.
    pub async fn load(&self, spec: &AuditSpec, progress: &Progress) -> Result<Dataset, Error> {
        match self {
            Source::Redis(r) => r.load(spec, progress).await,
            Source::Database(s) => s.load(spec, progress).await,
            Source::Spark(s) => s.load(spec, progress).await,
            Source::Files(f) => {
                let (f, spec, progress) = (f.clone(), spec.clone(), progress.clone());
                // polars does its own threading; keep it off the async runtime.
                tokio::task::spawn_blocking(move || f.load(&spec, &progress))
                    .await
                    .map_err(|e| Error::Runtime(format!("file reader stopped: {e}")))?
            }
        }
    }

    /// What a scan reads, as [`Source::load`] reads it; a database reads the rows
    /// in parts of about `keys_per_part` keys where it can, handing them to
    /// `on_part` as it reads them ([`DatabaseSource::load_parts`]).
    pub async fn load_parts(
        &self,
        spec: &AuditSpec,
        progress: &Progress,
        keys_per_part: usize,
        on_part: &mut OnPart<'_>,
    ) -> Result<Parts, Error> {
        match self {
            Source::Database(s) => {
                s.load_parts(spec, progress, Some((keys_per_part, on_part)))
                    .await
            }
            Source::Files(_) | Source::Spark(_) => {
                self.load(spec, progress).await.map(Parts::Whole)
            }
            Source::Redis(r) => r
                .load_parts(spec, progress, on_part)
                .await
                .map(|shape| Parts::Streamed { shape }),
        }
    }
}

/// What a source read for a scan.
pub enum Parts {
    /// In memory: the scan splits them itself.
    Whole(Dataset),
    /// Handed over part by part as they were read; `shape` holds the columns and
    /// what the source counted.
    Streamed { shape: Dataset },
}

/// Adds to `results` the cross-key copies not already among them and returns the
/// keys of those copies that `log` has no row of, whose log rows are then read.
pub(crate) fn add_copies(
    results: &mut Vec<ResultRow>,
    log: &[LogEntry],
    copies: Vec<ResultRow>,
) -> Vec<Key> {
    let known_rows: std::collections::HashSet<Vec<String>> =
        results.iter().map(|r| r.pk.clone()).collect();
    let known_keys: std::collections::HashSet<&Key> =
        log.iter().filter_map(|e| e.key.as_ref()).collect();
    let mut new_keys: Vec<Key> = Vec::new();
    let mut seen: std::collections::HashSet<Key> = std::collections::HashSet::new();
    for row in copies {
        if known_rows.contains(&row.pk) {
            continue;
        }
        if let Some(key) = &row.key {
            if !known_keys.contains(key) && seen.insert(key.clone()) {
                new_keys.push(key.clone());
            }
        }
        results.push(row);
    }
    new_keys
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_removes_passwords_everywhere() {
        let r =
            redact_url("postgres://app:s3cret@db.internal:5432/prod?sslmode=require&password=x2");
        assert!(!r.contains("s3cret") && !r.contains("x2"), "{r}");
        assert!(
            r.contains("app@db.internal:5432/prod") && r.contains("sslmode=require"),
            "{r}"
        );
        assert_eq!(
            redact_url("sqlite://sample-data/incident.sqlite"),
            "sqlite://sample-data/incident.sqlite"
        );
        assert!(!redact_url("weird://u:pw@@host").contains("pw"));
    }

    #[test]
    fn file_flags_must_come_in_pairs() {
        let opts = SourceOptions {
            results_file: Some("r.csv".into()),
            ..Default::default()
        };
        let err = Source::resolve(&opts, &AuditSpec::default(), Path::new(".")).unwrap_err();
        assert!(err.to_string().contains("--log-file"));
    }
}
