//! What a scan found: the classes of DESIGN.md and the serde types that carry them
//! into every report (and, later, into a cleanup plan).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::canonical::{DiffEntry, PayloadHash};
use crate::model::Key;
use crate::spec::Status;

/// The kinds of finding, in the order reports list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    Exact,
    Conflict,
    CrossKey,
    LateWrite,
    MultiComplete,
    StaleProcessing,
    OrphanResult,
    MissingResult,
    UnknownStatus,
    NullKey,
    ExpiredRecord,
    ValidationMismatch,
    MalformedRecord,
}

impl Class {
    /// Classes that only a log kept in Redis can show; a scan checks them only
    /// when its log is in Redis.
    pub const REDIS_ONLY: [Class; 3] = [
        Class::ExpiredRecord,
        Class::ValidationMismatch,
        Class::MalformedRecord,
    ];

    pub const ALL: [Class; 13] = [
        Class::Exact,
        Class::Conflict,
        Class::CrossKey,
        Class::LateWrite,
        Class::MultiComplete,
        Class::StaleProcessing,
        Class::OrphanResult,
        Class::MissingResult,
        Class::UnknownStatus,
        Class::NullKey,
        Class::ExpiredRecord,
        Class::ValidationMismatch,
        Class::MalformedRecord,
    ];

    /// Whether checking the class reads the log as a whole. A scan counts the log's
    /// rows and unknown statuses only when it checks such a class: the duplicate
    /// classes read the log rows of their keys alone, and a pass over the whole log
    /// for its totals would cost them as much as the grouping of their keys.
    pub fn reads_whole_log(self) -> bool {
        !matches!(
            self,
            Class::Exact | Class::Conflict | Class::CrossKey | Class::NullKey
        )
    }

    /// The name used on the command line and in every report.
    pub fn name(self) -> &'static str {
        match self {
            Class::Exact => "exact",
            Class::Conflict => "conflict",
            Class::CrossKey => "cross-key",
            Class::LateWrite => "late-write",
            Class::MultiComplete => "multi-complete",
            Class::StaleProcessing => "stale-processing",
            Class::OrphanResult => "orphan-result",
            Class::MissingResult => "missing-result",
            Class::UnknownStatus => "unknown-status",
            Class::NullKey => "null-key",
            Class::ExpiredRecord => "expired-record",
            Class::ValidationMismatch => "validation-mismatch",
            Class::MalformedRecord => "malformed-record",
        }
    }

    /// One line for the people reading a report.
    pub fn meaning(self) -> &'static str {
        match self {
            Class::Exact => "same key, same canonical payload, several rows",
            Class::Conflict => "same key, different payloads",
            Class::CrossKey => "same payload under different keys (suspect)",
            Class::LateWrite => "row written by an attempt the log marks FAILED",
            Class::MultiComplete => "more than one COMPLETED attempt for a key",
            Class::StaleProcessing => "PROCESSING for longer than the lease",
            Class::OrphanResult => "result row with no log row",
            Class::MissingResult => "COMPLETED attempt whose key has no result row",
            Class::UnknownStatus => "log status the spec does not map (not judged)",
            Class::NullKey => "result row whose key is NULL (never grouped)",
            Class::ExpiredRecord => "result row whose log record has expired by TTL",
            Class::ValidationMismatch => "record's validation hash does not match the result row",
            Class::MalformedRecord => "log record in Redis that cannot be read",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Class {
    type Err = String;

    fn from_str(s: &str) -> Result<Class, String> {
        Class::ALL
            .into_iter()
            .find(|c| c.name() == s.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = Class::ALL.iter().map(|c| c.name()).collect();
                format!("unknown class `{s}`; classes are {}", names.join(", "))
            })
    }
}

/// A result row as reports show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowRef {
    pub pk: Vec<String>,
    pub key: Option<Key>,
    pub attempt: Option<String>,
    pub written_at: Option<DateTime<Utc>>,
    /// blake3 of the canonical payload (hex in reports).
    pub payload_hash: PayloadHash,
    /// Status of the row's attempt in the log; `None` when the log has no such attempt.
    pub attempt_status: Option<Status>,
}

/// A log row as reports show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRef {
    pub attempt: Option<String>,
    pub status: Status,
    pub raw_status: String,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// One group (or single anomaly) of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub class: Class,
    pub key: Option<Key>,
    /// The shared payload hash for exact and cross-key groups.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payload_hash: Option<PayloadHash>,
    /// Rows that are redundant copies (see the README for the rule per class).
    pub surplus_rows: u64,
    /// Result rows involved, oldest first.
    pub rows: Vec<RowRef>,
    /// Log rows involved, oldest first.
    pub attempts: Vec<AttemptRef>,
    /// For conflicts: where the first payload differs from the others.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub payload_diff: Vec<DiffEntry>,
    /// One sentence saying what happened.
    pub note: String,
    /// Log rows counted rather than listed: for unknown-status, every log row with
    /// the status.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub log_rows: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Per-class totals, as groups and as rows, so nobody has to guess which a number is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassSummary {
    /// Findings of the class (a group, or a single anomalous row).
    pub groups: u64,
    /// Result rows and log rows involved.
    pub rows: u64,
    /// Redundant result rows: what a cleanup could remove.
    pub surplus_rows: u64,
}

/// Counts over the whole source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub result_rows: u64,
    /// Every log row; `None` when the scan checked no class that reads the log as a
    /// whole ([`Class::reads_whole_log`]), which leaves the log uncounted.
    pub log_rows: Option<u64>,
    /// Distinct non-NULL keys among result rows.
    pub keys: u64,
    pub null_key_rows: u64,
    /// Rows whose JSON payload column is not valid JSON (compared as text).
    pub non_json_payloads: u64,
    /// Log rows whose status is none of the spec's spellings; `None` when the log
    /// was not counted, as for `log_rows`.
    pub unknown_statuses: Option<u64>,
}

/// Where duplicates concentrate in time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Surplus rows (exact and conflict) written inside the window.
    pub surplus_rows: u64,
    /// Surplus rows with a timestamp, over the whole source.
    pub surplus_rows_total: u64,
    /// The key scope (first key column) most of the window's rows belong to.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub scope: Option<Scope>,
    /// Late writes (rows of attempts the log marks FAILED, the late-write class's
    /// rows) written inside the window, surplus copies or not.
    pub late_writes: u64,
}

/// A value of the first key column, when the key is scoped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub column: String,
    pub value: String,
    pub rows: u64,
}

/// Everything a scan produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Findings {
    /// The time staleness was judged against.
    pub as_of: DateTime<Utc>,
    pub key_columns: Vec<String>,
    pub primary_key: Vec<String>,
    pub payload_columns: Vec<String>,
    pub totals: Totals,
    /// The classes this scan checked (all, unless restricted).
    pub checked: Vec<Class>,
    /// One entry per checked class.
    pub summary: BTreeMap<Class, ClassSummary>,
    pub window: Option<Window>,
    /// Primary keys of rows whose JSON payload did not parse (first 50).
    pub non_json_rows: Vec<Vec<String>>,
    /// The JSON fields that are all that tells apart the two payloads of some
    /// conflicts, most such conflicts first (first 10).
    #[serde(default)]
    pub sole_differences: Vec<SoleDifference>,
    pub findings: Vec<Finding>,
    /// How the records of a log kept in Redis were read; absent for other logs.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub redis: Option<RedisStats>,
}

/// A JSON field that is all that tells apart the two payloads of conflicts: a
/// volatile field (a timing, a request id) left out of `ignore_fields` makes every
/// copy a conflict this way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoleDifference {
    /// The payload column holding the field.
    pub column: String,
    /// The field's dotted path inside that column, as `ignore_fields` names it.
    pub field: String,
    /// Conflicts with two payloads that differ in this field only: ignored, they
    /// would be exact duplicates.
    pub groups: u64,
}

/// Most [`SoleDifference`]s a report lists.
pub const SOLE_DIFFERENCES_LISTED: usize = 10;

/// What reading a log kept in Redis met, beside the findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedisStats {
    /// Keys the `SCAN` returned (before anything below is set aside).
    pub keys_scanned: u64,
    /// Records read into the log.
    pub records: u64,
    /// Keys that expired or were deleted between `SCAN` and the read.
    pub vanished: u64,
    /// Keys whose value changed type between the reads (counted, read no further).
    pub changed: u64,
    /// Powertools' `{key}:lock` keys, which are not records.
    pub lock_keys: u64,
    /// Records with status EXPIRED (Powertools treats them as absent).
    pub expired_status: u64,
    /// Records without a TTL.
    pub without_ttl: u64,
    /// Records that cannot be read, with their Redis key and why (first 50; the
    /// malformed-record class counts them all).
    pub malformed: Vec<MalformedRecord>,
}

/// A Redis key whose record dupaudit cannot read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MalformedRecord {
    pub redis_key: String,
    pub reason: String,
}

impl Findings {
    /// Findings of one class, in report order.
    pub fn of(&self, class: Class) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.class == class)
    }

    pub fn summary_of(&self, class: Class) -> ClassSummary {
        self.summary.get(&class).copied().unwrap_or_default()
    }
}

/// A key as a command line gives it: one value per key column, or the form reports
/// print ([`key_text`]), its values joined with `/`, split at its first slashes (a
/// value of an earlier column that holds a `/` must be given on its own).
pub fn parse_key(values: &[String], columns: &[String]) -> Result<Key, String> {
    match (values, columns.len()) {
        (values, n) if values.len() == n => Ok(values.to_vec()),
        ([one], n) if n > 1 && one.matches('/').count() >= n - 1 => {
            Ok(one.splitn(n, '/').map(str::to_string).collect())
        }
        (values, n) => Err(format!(
            "the key has {n} column(s) ({}): give {n} value(s), or the key as reports print \
             it (its values joined with `/`); got {}",
            columns.join(", "),
            values.len()
        )),
    }
}

/// Human form of a key: its values joined with `/`.
pub fn key_text(key: &Option<Key>) -> String {
    match key {
        Some(k) => k.join("/"),
        None => "NULL".to_string(),
    }
}
