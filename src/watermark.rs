//! `--incremental`: what a nightly audit remembers between runs, in a small JSON
//! state file: the end of the window the last successful run audited, which source
//! it was taken on, and the keys with findings still in the table. The next run
//! audits from there, less one lease, and checks those keys again, so that what is
//! still outstanding is known whatever the window.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::error::Error;
use crate::model::Key;
use crate::report::Report;

/// The largest state file `--incremental` reads: a few hundred bytes, and the keys
/// with findings (about a million keys of 40 bytes).
const MAX_STATE_BYTES: u64 = 64 << 20;

/// The state file's layout; version 2 added `outstanding`.
const STATE_VERSION: u32 = 2;

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
    /// The keys with findings after that run (absent in version 1).
    #[serde(default)]
    outstanding: Vec<Key>,
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

    /// The keys with findings after the last run, for this one to check again.
    pub fn carried(&self) -> &[Key] {
        self.previous
            .as_ref()
            .map(|mark| mark.outstanding.as_slice())
            .unwrap_or_default()
    }

    /// Records the run of `report` as the last successful one, with the keys still
    /// outstanding. Refused when the state file is another source's.
    pub fn record(&self, report: &Report) -> Result<(), Error> {
        let mark = Watermark {
            format_version: STATE_VERSION,
            source: report.source.location.clone(),
            results: report.source.results.clone(),
            until: self.until,
            outstanding: report
                .outstanding
                .as_ref()
                .map(|o| o.keys.clone())
                .unwrap_or_default(),
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
    let mark: Watermark = serde_json::from_str(&text).map_err(|e| Error::File {
        file: path.to_path_buf(),
        message: format!("not a dupaudit state file: {e}"),
    })?;
    if mark.format_version > STATE_VERSION {
        return Err(Error::File {
            file: path.to_path_buf(),
            message: format!(
                "state file version {} is newer than this dupaudit reads ({STATE_VERSION})",
                mark.format_version
            ),
        });
    }
    Ok(mark)
}
