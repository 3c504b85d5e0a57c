//! Typed errors of the library and the one place that maps them to exit codes.

use std::path::PathBuf;

/// Exit codes, documented in the README. Cron and CI act on these.
pub mod exit {
    /// Nothing found at or above the `--fail-on` thresholds.
    pub const CLEAN: u8 = 0;
    /// Findings at or above the `--fail-on` thresholds.
    pub const FINDINGS: u8 = 1;
    /// Bad command line or bad spec: fix the invocation.
    pub const USAGE: u8 = 2;
    /// The source could not be read, or something failed at run time.
    pub const RUNTIME: u8 = 3;
    /// `apply` refused: rows changed since the plan was made, the plan breaks what
    /// apply holds, or another apply holds the table. Nothing was changed.
    pub const DRIFT: u8 = 4;
}

/// Everything that can go wrong, phrased so the user knows what to fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read spec {path}: {source}{}", spec_hint(source))]
    SpecRead {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("invalid spec {path}: {message}")]
    Spec { path: PathBuf, message: String },

    #[error("{0}")]
    Usage(String),

    #[error("no source: give --database-url (or DATABASE_URL), --results-file and --log-file, or set [source] in the spec")]
    NoSource,

    #[error("cannot connect to {location}: {message}")]
    Connect { location: String, message: String },

    #[error("table `{table}` does not exist in {location}; tables there: {}{elsewhere}", list(.available))]
    MissingTable {
        table: String,
        location: String,
        available: Vec<String>,
        /// Where a table of that name is, and how to get there; empty if nowhere.
        elsewhere: String,
    },

    #[error("column `{column}` ({field} in the spec) does not exist in {table}; its columns are: {}", list(.available))]
    MissingColumn {
        table: String,
        column: String,
        field: String,
        available: Vec<String>,
    },

    #[error("the spec does not fit the tables in {location}: {message}")]
    SpecMismatch { location: String, message: String },

    #[error("{file}: {message}")]
    File { file: PathBuf, message: String },

    #[error("{file} line {line}: {message}")]
    FileLine {
        file: PathBuf,
        line: u64,
        message: String,
    },

    #[error("{table}.{column}: cannot read `{value}` as a timestamp (row {row}); use ISO 8601 (RFC 3339, or `YYYY-MM-DD HH:MM:SS[.fff]` in the table's time_zone, UTC by default) or an integer in the table's epoch_unit")]
    BadTimestamp {
        table: String,
        column: String,
        value: String,
        row: String,
    },

    #[error(
        "table `{table}` already exists in {location}; pass --replace to drop and recreate it"
    )]
    TableExists { table: String, location: String },

    #[error("query on {location} failed: {message}")]
    Query { location: String, message: String },

    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("plan {file}: {message}")]
    Plan { file: PathBuf, message: String },

    #[error("the plan was not made on {location}: {message}; nothing was changed")]
    ForeignPlan { location: String, message: String },

    #[error("{groups} planned group(s) changed since the plan; {done} (make a new plan, or pass --on-drift skip to leave those groups alone):\n{details}")]
    Drift {
        groups: usize,
        /// What had already been done: nothing, or the batches committed before.
        done: String,
        details: String,
    },

    #[error("apply refused: {message}")]
    Refused { message: String },

    #[error("{0}")]
    Runtime(String),
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_string()
    } else {
        items.join(", ")
    }
}

impl Error {
    /// The exit code for this error: usage and spec problems (and a load that would
    /// overwrite tables without --replace) are 2, the rest 3.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::SpecRead { .. }
            | Error::Spec { .. }
            | Error::SpecMismatch { .. }
            | Error::Usage(_)
            | Error::NoSource
            | Error::TableExists { .. }
            | Error::Plan { .. }
            | Error::ForeignPlan { .. } => exit::USAGE,
            Error::Drift { .. } | Error::Refused { .. } => exit::DRIFT,
            _ => exit::RUNTIME,
        }
    }
}

/// What to do about a spec that is not there: write one with `init`.
fn spec_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => {
            "; write one for your tables with `dupaudit init --database-url URL` (or \
             --results-file and --log-file), name another with --spec, or give the source \
             with --database-url to use the built-in defaults"
        }
        _ => "",
    }
}
