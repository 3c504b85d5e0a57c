//! `--incremental`: what a nightly audit remembers between runs, in a small JSON
//! state file: the end of the window the last successful run audited, and which
//! source it was taken on. The next run audits from there, less one lease.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::error::Error;
use crate::report::Report;

/// The largest state file `--incremental` reads (one holds a few hundred bytes).
const MAX_STATE_BYTES: u64 = 1 << 20;

/// An incremental run: its state file, what the last run left there, and the end
/// of this run's window.
#[derive(Debug, Clone)]
pub struct Incremental {
    path: PathBuf,
    previous: Option<Watermark>,
    until: DateTime<Utc>,
}

/// What the state file holds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Watermark {
    format_version: u32,
    /// The source and results table it was taken on (without password).
    source: String,
    results: String,
    /// The end of the window the last successful run audited.
    until: DateTime<Utc>,
}

impl Incremental {
    /// Reads the state file at `path`; none there: the first run, which audits
    /// everything up to `until`.
    pub fn read(path: &Path, until: DateTime<Utc>) -> Result<Incremental, Error> {
        let previous = match path.exists() {
            true => Some(read(path)?),
            false => None,
        };
        Ok(Incremental {
            path: path.to_path_buf(),
            previous,
            until,
        })
    }

    /// Where this run's window starts: the previous run's end, less one lease, so
    /// that rows committed late, with a timestamp before the previous run, are
    /// still seen. `None` on the first run.
    pub fn since(&self, lease: std::time::Duration) -> Option<DateTime<Utc>> {
        let lease = chrono::Duration::from_std(lease).unwrap_or_default();
        self.previous.as_ref().map(|mark| mark.until - lease)
    }

    /// Records the run of `report` as the last successful one. Refused when the
    /// state file is another source's.
    pub fn record(&self, report: &Report) -> Result<(), Error> {
        let mark = Watermark {
            format_version: 1,
            source: report.source.location.clone(),
            results: report.source.results.clone(),
            until: self.until,
        };
        if let Some(p) = &self.previous {
            if (&p.source, &p.results) != (&mark.source, &mark.results) {
                return Err(Error::Usage(format!(
                    "{} records runs of {} ({}), not of this source; use another state file",
                    self.path.display(),
                    p.source,
                    p.results
                )));
            }
        }
        let text = serde_json::to_string_pretty(&mark).expect("a watermark serialises") + "\n";
        crate::output::write_output(Some(&self.path), &text)
    }
}

fn read(path: &Path) -> Result<Watermark, Error> {
    let bytes =
        crate::vocab::read_bounded(path, MAX_STATE_BYTES).map_err(|message| Error::File {
            file: path.to_path_buf(),
            message,
        })?;
    let text = String::from_utf8_lossy(&bytes);
    serde_json::from_str(&text).map_err(|e| Error::File {
        file: path.to_path_buf(),
        message: format!("not a dupaudit state file: {e}"),
    })
}
