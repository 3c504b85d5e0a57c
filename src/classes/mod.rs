//! The classes of finding, one module each: the rule over the rows and log rows of
//! a key, the pre-filter that names the keys that can carry the class, what the
//! class needs of the sources, and how its findings count.
//!
//! In: a [`Context`], everything one part of a scan holds (whole keys: every
//! result row and log row of each), with what every class asks computed once:
//! canonical payloads, each row's attempt in the log, the rows of each key. Out:
//! each class's findings. The classifier ([`crate::scan`]) runs the [`registry`];
//! the sources run each checked class's [`Check::prefilter`], the one SQL text that
//! names its candidate keys, in whatever engine holds the two tables.

mod conflict;
mod cross_key;
mod exact;
mod expired_record;
mod late_write;
mod malformed_record;
mod missing_result;
mod multi_complete;
mod null_key;
mod orphan_result;
mod stale_processing;
mod unknown_status;
mod validation_mismatch;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use foldhash::{HashMap, HashMapExt, HashSet};
use rayon::prelude::*;

use crate::canonical::{Canonicalizer, PayloadHash};
use crate::findings::{AttemptRef, Finding, RowRef};
use crate::model::{Counts, Dataset, LogEntry, ResultRow};
use crate::spec::AuditSpec;
use crate::sql::queries;
use crate::vocab::{Class, Key};

pub use validation_mismatch::{python_json, validation_hash};

/// What a class needs of a source beyond the rows of its candidate keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// The log's status values, bound into the pre-filter.
    pub statuses: bool,
    /// The whole log is judged (its rows are counted, its unknown statuses too).
    pub whole_log: bool,
    /// Every payload of the table, hashed (no pre-filter can name the keys).
    pub every_payload: bool,
    /// The rows whose key is NULL.
    pub null_keys: bool,
    /// A log kept in Redis, whose records carry what the class reads.
    pub redis: bool,
}

/// One class of finding.
pub trait Check: Sync {
    fn class(&self) -> Class;

    /// The query naming the keys that can carry this class, as `k0`, `k1`, ... over
    /// the results (`r`) and the log (`l`): the template every engine renders (see
    /// `queries/ansi/keys_*.sql`). `None` when no query can: the class reads every
    /// payload, the NULL-key rows, or what a source counts.
    fn prefilter(&self) -> Option<&'static str> {
        None
    }

    fn needs(&self) -> Needs;

    /// The class's findings among the rows of `cx`.
    fn findings(&self, cx: &Context<'_>) -> Vec<Finding>;

    /// Findings that belong to no key's rows, from what the source counted over
    /// the whole of it (unknown statuses, malformed records).
    fn counted(&self, _counts: &CountedAll) -> Vec<Finding> {
        Vec::new()
    }

    /// The rows a finding of this class involves, as the summary counts them: its
    /// result rows, unless the class is about log rows.
    fn rows(&self, f: &Finding) -> u64 {
        f.rows.len() as u64
    }
}

/// Every class, in report order.
pub fn registry() -> [&'static dyn Check; 13] {
    [
        &exact::Exact,
        &conflict::Conflict,
        &cross_key::CrossKey,
        &late_write::LateWrite,
        &multi_complete::MultiComplete,
        &stale_processing::StaleProcessing,
        &orphan_result::OrphanResult,
        &missing_result::MissingResult,
        &unknown_status::UnknownStatus,
        &null_key::NullKey,
        &expired_record::ExpiredRecord,
        &validation_mismatch::ValidationMismatch,
        &malformed_record::MalformedRecord,
    ]
}

/// The check of `class`.
pub fn check(class: Class) -> &'static dyn Check {
    registry()
        .into_iter()
        .find(|c| c.class() == class)
        .expect("every class has its check")
}

/// The pre-filters of the checked classes, each once, in report order.
pub fn prefilters(checks: &BTreeSet<Class>) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for c in registry()
        .into_iter()
        .filter(|c| checks.contains(&c.class()))
    {
        if let Some(sql) = c.prefilter() {
            if !out.contains(&sql) {
                out.push(sql);
            }
        }
    }
    out
}

/// What the checked classes need, together.
pub fn needs(checks: &BTreeSet<Class>) -> Needs {
    registry()
        .into_iter()
        .filter(|c| checks.contains(&c.class()))
        .map(|c| c.needs())
        .fold(Needs::default(), |a, b| Needs {
            statuses: a.statuses || b.statuses,
            whole_log: a.whole_log || b.whole_log,
            every_payload: a.every_payload || b.every_payload,
            null_keys: a.null_keys || b.null_keys,
            redis: a.redis || b.redis,
        })
}

/// What the whole-source classes read: the source's counts and the spec.
pub struct CountedAll<'a> {
    pub counts: &'a Counts,
    pub spec: &'a AuditSpec,
}

/// Result rows in time order; rows without a timestamp last; ties by primary key.
pub fn order(a: &ResultRow, b: &ResultRow) -> std::cmp::Ordering {
    (a.written_at.is_none(), a.written_at, &a.pk).cmp(&(
        b.written_at.is_none(),
        b.written_at,
        &b.pk,
    ))
}

/// Which result rows' payloads a [`Context`] canonicalizes up front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payloads {
    /// Every row's: the scan counts the payloads that are not JSON.
    Every,
    /// Only those the checks compare (the rows of keys with several rows, every row
    /// when cross-key is checked): enough to find which keys have findings.
    Compared,
}

/// Everything one part of a scan holds, with what the classes ask computed once.
pub struct Context<'a> {
    pub data: &'a Dataset,
    pub spec: &'a AuditSpec,
    pub as_of: DateTime<Utc>,
    pub checks: &'a BTreeSet<Class>,
    pub canon: Canonicalizer,
    /// The canonical payload hash of each result row, where it was computed up front
    /// ([`Context::hash`] computes the others).
    hashes: Vec<Option<PayloadHash>>,
    /// Whether each result row's JSON payload failed to parse (`false` for a row
    /// whose payload was not canonicalized up front).
    pub non_json: Vec<bool>,
    /// Each result row's attempt in the log.
    pub attempts: Vec<Option<&'a LogEntry>>,
    pub log: LogIndex<'a>,
    /// The result rows of each key, in time order.
    pub by_key: HashMap<&'a Key, Vec<usize>>,
}

impl<'a> Context<'a> {
    /// The context of `data`; `payloads` says which rows' payloads are canonicalized
    /// up front.
    pub fn new(
        data: &'a Dataset,
        spec: &'a AuditSpec,
        as_of: DateTime<Utc>,
        checks: &'a BTreeSet<Class>,
        payloads: Payloads,
    ) -> Context<'a> {
        let canon = Canonicalizer::new(data.json_columns.clone(), &spec.results.ignore_fields);
        let log = LogIndex::new(&data.log, spec.results.attempt.is_some());
        let attempts = data.results.par_iter().map(|r| log.attempt_of(r)).collect();
        let mut by_key: HashMap<&Key, Vec<usize>> = HashMap::new();
        for (i, r) in data.results.iter().enumerate() {
            if let Some(k) = &r.key {
                by_key.entry(k).or_default().push(i);
            }
        }
        for rows in by_key.values_mut() {
            rows.sort_by(|&a, &b| order(&data.results[a], &data.results[b]));
        }
        let every = payloads == Payloads::Every || checks.contains(&Class::CrossKey);
        let compared = |r: &ResultRow| {
            every
                || r.key
                    .as_ref()
                    .is_some_and(|k| by_key.get(k).is_some_and(|rows| rows.len() > 1))
        };
        let canonical: Vec<_> = data
            .results
            .par_iter()
            .map(|r| compared(r).then(|| canon.canonicalize(&r.payload)))
            .collect();
        Context {
            data,
            spec,
            as_of,
            checks,
            canon,
            hashes: canonical
                .iter()
                .map(|c| c.as_ref().map(|c| c.hash))
                .collect(),
            non_json: canonical
                .iter()
                .map(|c| c.as_ref().is_some_and(|c| c.non_json))
                .collect(),
            attempts,
            log,
            by_key,
        }
    }

    /// The canonical payload hash of result row `i`.
    pub fn hash(&self, i: usize) -> PayloadHash {
        self.hashes[i]
            .unwrap_or_else(|| self.canon.canonicalize(&self.data.results[i].payload).hash)
    }

    /// Result row `i` as reports show it.
    pub fn row_ref(&self, i: usize) -> RowRef {
        let r = &self.data.results[i];
        RowRef {
            pk: r.pk.clone(),
            key: r.key.clone(),
            attempt: r.attempt.clone(),
            written_at: r.written_at,
            payload_hash: self.hash(i),
            attempt_status: self.attempts[i].map(|e| e.status),
        }
    }

    /// The keys with several result rows, with their rows in time order.
    pub fn duplicated(&self) -> Vec<(&'a Key, &Vec<usize>)> {
        self.by_key
            .iter()
            .filter(|(_, rows)| rows.len() > 1)
            .map(|(&key, rows)| (key, rows))
            .collect()
    }

    /// Whether the spec matches rows to log rows by attempt.
    pub fn with_attempt(&self) -> bool {
        self.spec.results.attempt.is_some()
    }
}

/// The log, indexed by key and by (key, attempt). When the log holds several rows
/// for one attempt, the most recently updated one wins. Expired Redis records judge
/// no attempt: they are kept apart, by key.
pub struct LogIndex<'a> {
    pub by_key: HashMap<&'a Key, Vec<&'a LogEntry>>,
    by_attempt: HashMap<(&'a Key, Option<&'a str>), &'a LogEntry>,
    with_attempt: bool,
    /// The keys with an expired record.
    pub expired: HashSet<&'a Key>,
}

impl<'a> LogIndex<'a> {
    fn new(log: &'a [LogEntry], with_attempt: bool) -> LogIndex<'a> {
        let mut by_key: HashMap<&Key, Vec<&LogEntry>> = HashMap::new();
        let mut by_attempt: HashMap<(&Key, Option<&str>), &LogEntry> = HashMap::new();
        let mut expired = HashSet::default();
        for e in log {
            let Some(key) = &e.key else { continue };
            if !e.judged() {
                expired.insert(key);
                continue;
            }
            by_key.entry(key).or_default().push(e);
            let Some(attempt) = attempt_match(with_attempt, &e.attempt) else {
                continue;
            };
            let slot = by_attempt.entry((key, attempt)).or_insert(e);
            if e.updated_at.or(e.created_at) > slot.updated_at.or(slot.created_at) {
                *slot = e;
            }
        }
        for entries in by_key.values_mut() {
            entries.sort_by(|a, b| (a.created_at, &a.attempt).cmp(&(b.created_at, &b.attempt)));
        }
        LogIndex {
            by_key,
            by_attempt,
            with_attempt,
            expired,
        }
    }

    /// The log row of the attempt that wrote `row`. Without attempt columns, the
    /// key's latest log row stands for it.
    fn attempt_of(&self, row: &ResultRow) -> Option<&'a LogEntry> {
        let key = row.key.as_ref()?;
        let attempt = attempt_match(self.with_attempt, &row.attempt)?;
        self.by_attempt.get(&(key, attempt)).copied()
    }

    pub fn has_key(&self, key: &Key) -> bool {
        self.by_key.contains_key(key)
    }

    pub fn attempts_of(&self, key: &Key) -> Vec<AttemptRef> {
        self.by_key
            .get(key)
            .map(|es| es.iter().map(|e| attempt_ref(e)).collect())
            .unwrap_or_default()
    }
}

/// What a result row and a log row are matched on besides the key. Without attempt
/// columns, nothing (`Some(None)`). With them, the attempt; a NULL attempt matches
/// nothing (`None`), as in SQL, so the pushed-down queries agree with this scan.
fn attempt_match(with_attempt: bool, attempt: &Option<String>) -> Option<Option<&str>> {
    match (with_attempt, attempt) {
        (false, _) => Some(None),
        (true, Some(a)) => Some(Some(a.as_str())),
        (true, None) => None,
    }
}

/// A log row as reports show it.
pub fn attempt_ref(e: &LogEntry) -> AttemptRef {
    AttemptRef {
        attempt: e.attempt.clone(),
        status: e.status,
        raw_status: e.raw_status.clone(),
        created_at: e.created_at,
        updated_at: e.updated_at,
    }
}

/// A finding of one log row of `key`.
fn log_finding(class: Class, key: &Key, e: &LogEntry, note: String) -> Finding {
    Finding {
        class,
        key: Some(key.clone()),
        payload_hash: None,
        surplus_rows: 0,
        rows: Vec::new(),
        attempts: vec![attempt_ref(e)],
        payload_diff: Vec::new(),
        log_rows: 0,
        note,
    }
}

/// The pre-filter of the duplicate classes, shared by exact and conflict.
fn duplicated_keys() -> Option<&'static str> {
    Some(queries::KEYS_DUPLICATED)
}

/// The pre-filter of the classes that join the log to the results, shared by all
/// four: one join of the two tables names the keys of every one of them, so a full
/// audit reads each table once for them, not once per class.
fn logged_keys() -> Option<&'static str> {
    Some(queries::KEYS_LOGGED)
}
