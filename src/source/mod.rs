//! Sources: where result rows and log entries come from.
//!
//! In: the connection options of the command line and the spec. Out: a [`Source`]
//! that describes itself without credentials ([`SourceInfo`]) and loads a
//! [`Dataset`] for the scan. Every source reads only: SQLite is opened read-only,
//! files are only ever opened for reading.

mod files;
mod sqlite;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Error;
use crate::model::{Dataset, SourceInfo};
use crate::spec::AuditSpec;

pub use files::{FileFormat, FileSource};
pub use sqlite::SqliteSource;

/// Where to read from, as given on the command line (each overrides the spec).
#[derive(Debug, Clone, Default)]
pub struct SourceOptions {
    pub database_url: Option<String>,
    pub results_file: Option<PathBuf>,
    pub log_file: Option<PathBuf>,
    pub connect_timeout: Option<Duration>,
}

/// A place dupaudit reads from.
#[derive(Debug, Clone)]
pub enum Source {
    Sqlite(SqliteSource),
    Files(FileSource),
}

impl Source {
    /// Picks the source: `--database-url` (or `DATABASE_URL`), then the file flags,
    /// then the spec's `[source]`. Paths in the spec are relative to the spec's folder.
    pub fn resolve(
        opts: &SourceOptions,
        spec: &AuditSpec,
        spec_dir: &Path,
    ) -> Result<Source, Error> {
        let timeout = opts.connect_timeout.unwrap_or(Duration::from_secs(10));
        if let Some(url) = &opts.database_url {
            return Source::from_url(url, None, timeout);
        }
        if let (Some(r), Some(l)) = (&opts.results_file, &opts.log_file) {
            return Ok(Source::Files(FileSource::new(r.clone(), l.clone())?));
        }
        if opts.results_file.is_some() || opts.log_file.is_some() {
            return Err(Error::Usage(
                "--results-file and --log-file go together: give both".into(),
            ));
        }
        let s = &spec.source;
        if let Some(url) = &s.database_url {
            return Source::from_url(url, Some(spec_dir), timeout);
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

    fn from_url(url: &str, base: Option<&Path>, timeout: Duration) -> Result<Source, Error> {
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Ok(Source::Sqlite(SqliteSource::new(url, base, timeout))),
            "postgres" | "postgresql" | "mysql" | "mariadb" => Err(Error::Usage(format!(
                "{} sources are not supported yet; export the tables to CSV or Parquet, or use SQLite",
                redact_url(url)
            ))),
            _ => Err(Error::Usage(format!(
                "`{}` is not a database URL dupaudit knows; use sqlite://PATH",
                redact_url(url)
            ))),
        }
    }

    /// How reports name this source. Never contains a password.
    pub fn info(&self, spec: &AuditSpec) -> SourceInfo {
        match self {
            Source::Sqlite(s) => SourceInfo {
                kind: "sqlite".into(),
                location: s.location(),
                results: spec.results.table.clone(),
                log: spec.log.table.clone(),
            },
            Source::Files(f) => f.info(),
        }
    }

    /// Reads the rows the scan needs.
    pub async fn load(&self, spec: &AuditSpec) -> Result<Dataset, Error> {
        match self {
            Source::Sqlite(s) => s.load(spec).await,
            Source::Files(f) => {
                let f = f.clone();
                let spec = spec.clone();
                // polars does its own threading; keep it off the async runtime.
                tokio::task::spawn_blocking(move || f.load(&spec))
                    .await
                    .map_err(|e| Error::Runtime(format!("file reader stopped: {e}")))?
            }
        }
    }
}

/// Removes credentials from a URL: the password part and `password=` parameters.
pub fn redact_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        // Not a URL we can parse; cut everything between `//` and `@` to be safe.
        return match (raw.find("://"), raw.rfind('@')) {
            (Some(s), Some(a)) if a > s => format!("{}://{}", &raw[..s], &raw[a + 1..]),
            _ => raw.to_string(),
        };
    };
    if url.password().is_some() {
        let _ = url.set_password(None);
    }
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.to_ascii_lowercase().contains("password"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if url.query().is_some() {
        if pairs.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    url.to_string()
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
