//! What a scan found: the classes of DESIGN.md and the serde types that carry them
//! into every report (and, later, into a cleanup plan).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::canonical::{DiffEntry, PayloadHash};
pub use crate::vocab::{key_text, parse_key, Class};
use crate::vocab::{Key, Status};

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
    /// Rows that are redundant copies (docs/findings.md gives the rule per class).
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
    /// whole ([`crate::classes::Needs::whole_log`]), which leaves the log uncounted.
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

/// Most rows listed as non-JSON in a report; the total is always exact.
pub const NON_JSON_LISTED: usize = 50;

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

/// Every hint a human-readable report prints under its summary: the volatile
/// fields of [`sole_difference_hints`], then the status values the spec does not map.
pub fn hints(f: &Findings, code: impl Fn(&str) -> String) -> Vec<String> {
    let mut hints = sole_difference_hints(f, &code);
    hints.extend(unknown_status_hint(f, &code));
    hints
}

/// What to add to `[log.statuses]` for the status values a scan met that the spec
/// does not map, each to the list its word most likely belongs to.
pub fn unknown_status_hint(f: &Findings, code: impl Fn(&str) -> String) -> Option<String> {
    let unknown: Vec<&Finding> = f.of(Class::UnknownStatus).collect();
    if unknown.is_empty() {
        return None;
    }
    let value = |g: &Finding| -> String {
        // The value is the note's first `…` quote.
        g.note.split('`').nth(1).unwrap_or_default().to_string()
    };
    let listed: Vec<String> = unknown
        .iter()
        .map(|g| format!("{} ({} log rows)", code(&value(g)), g.log_rows))
        .collect();
    let mut placed = Vec::new();
    let mut unplaced = Vec::new();
    for g in &unknown {
        let v = value(g);
        match crate::spec::Status::guess(&v) {
            Some(s) => placed.push(format!(
                "{} to {}",
                code(&format!("{v:?}")),
                code(&s.to_string().to_lowercase())
            )),
            None => unplaced.push(code(&v)),
        }
    }
    let mut hint = format!(
        "the log holds status values that {} does not map: {}. Their attempts are not judged: \
         no late write, stale lease or lost write can be found among them.",
        code("[log.statuses]"),
        listed.join(", ")
    );
    if !placed.is_empty() {
        hint.push_str(&format!(
            " In the spec, add under {}: {}.",
            code("[log.statuses]"),
            placed.join(", ")
        ));
    }
    if !unplaced.is_empty() {
        hint.push_str(&format!(
            " dupaudit cannot tell what {} mean{}: add {} to the list {} belong{} to.",
            unplaced.join(", "),
            if unplaced.len() == 1 { "s" } else { "" },
            if unplaced.len() == 1 { "it" } else { "each" },
            if unplaced.len() == 1 { "it" } else { "they" },
            if unplaced.len() == 1 { "s" } else { "" },
        ));
    }
    Some(hint)
}

pub fn sole_difference_hints(f: &Findings, code: impl Fn(&str) -> String) -> Vec<String> {
    let conflicts = f.summary_of(Class::Conflict).groups;
    let written_twice = f.summary_of(Class::Exact).groups + conflicts;
    f.sole_differences
        .iter()
        .filter(|d| d.groups >= 2 && d.groups * 2 > written_twice)
        .map(|d| {
            format!(
                "{} of the {} keys written more than once differ only in the field {} of {} \
                 (conflicts). If that field is volatile (a timing, a request id), add {} to \
                 {} under {} in the spec: they then count as exact duplicates.",
                d.groups,
                written_twice,
                code(&d.field),
                code(&d.column),
                code(&format!("{:?}", d.field)),
                code("ignore_fields"),
                code("[results]"),
            )
        })
        .collect()
}

/// `text` with its first letter in capitals.
pub fn capitalized(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// What a report says where it has no window: no duplicates, or duplicates that do
/// not concentrate in time.
pub fn no_window_sentence(f: &Findings) -> String {
    let surplus =
        f.summary_of(Class::Exact).surplus_rows + f.summary_of(Class::Conflict).surplus_rows;
    match surplus {
        0 => "no duplicate rows, so no window.".into(),
        n => format!(
            "no burst: the {n} surplus rows are not concentrated in time (no run of them less \
             than an hour apart holds at least three and half of them)."
        ),
    }
}
