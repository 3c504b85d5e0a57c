//! The audit of an idempotency log kept in Redis against a results table kept
//! anywhere else (PostgreSQL, MySQL, SQLite or an export file).
//!
//! In: the results side, a [`RedisLog`], the spec and the time staleness is judged
//! against. Out: one [`Findings`], the same classes as a log in SQL gives, plus the
//! three only a Redis log can show: `expired-record`, `validation-mismatch` and
//! `malformed-record`.
//!
//! Steps:
//! 1. Read every record from Redis (SCAN, pipelined reads; see [`crate::source::redis`]).
//! 2. Read every result row from the results side.
//! 3. Run the scan engine over both, exactly as for a log in SQL. When the Redis key
//!    names no attempt and the records hold none, keys are matched without attempts.
//! 4. Powertools records carry no timestamps but an in-progress expiry: an
//!    INPROGRESS record whose expiry has passed is `stale-processing`.
//! 5. A result row with no record is `expired-record` when its key's record says
//!    EXPIRED, or when the row is older than the records' TTL; else it stays
//!    `orphan-result` (never recorded).
//! 6. Records with a `validation` hash are checked against their key's result rows.
//! 7. Malformed records become `malformed-record` findings; the summary is redone.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use md5::{Digest, Md5};

use crate::canonical::Canonicalizer;
use crate::error::Error;
use crate::findings::{Class, Finding, Findings, RowRef};
use crate::model::{Dataset, Key, ResultRow, SourceInfo};
use crate::progress::Progress;
use crate::scan::{fmt_time, human, scan, sort_findings, summarize};
use crate::source::redis::{Record, RedisLog};
use crate::source::DatabaseSource;
use crate::spec::{AuditSpec, RedisLayout, Status, ValidationSpec};

/// Where the result rows of a Redis-log audit come from.
#[derive(Debug, Clone)]
pub enum ResultsSide {
    Database(DatabaseSource),
    File(PathBuf),
}

impl ResultsSide {
    /// How reports name the two sides together. Never contains a password.
    pub fn info(&self, spec: &AuditSpec, log: &RedisLog) -> SourceInfo {
        let (kind, location, results) = match self {
            ResultsSide::Database(db) => (
                format!("{:?}", db.dialect()).to_lowercase(),
                db.location(),
                spec.results.table.clone(),
            ),
            ResultsSide::File(path) => (
                crate::source::FileFormat::of(path)
                    .map(|f| format!("{f:?}").to_lowercase())
                    .unwrap_or_else(|_| "file".into()),
                path.display().to_string(),
                path.display().to_string(),
            ),
        };
        SourceInfo {
            kind: format!("{kind}+redis"),
            location,
            results,
            log: format!("{} MATCH {}", log.location(), log.match_pattern()),
        }
    }

    async fn load(
        &self,
        spec: &AuditSpec,
        progress: &Progress,
    ) -> Result<(Vec<String>, Vec<ResultRow>), Error> {
        match self {
            ResultsSide::Database(db) => db.load_results(spec, progress).await,
            ResultsSide::File(path) => {
                let (path, spec) = (path.clone(), spec.clone());
                progress.phase("reading the results file");
                tokio::task::spawn_blocking(move || crate::source::load_results_file(&path, &spec))
                    .await
                    .map_err(|e| Error::Runtime(format!("file reader stopped: {e}")))?
            }
        }
    }
}

/// The spec the engine runs with: attempts only when the records carry them, and
/// the Redis-only classes checked beside the others.
pub fn engine_spec(spec: &AuditSpec, log: &RedisLog) -> AuditSpec {
    let mut spec = spec.clone();
    let layout = spec.log.redis.as_ref().map(|r| r.layout);
    let attempts = log.pattern().has_attempt()
        || (layout == Some(RedisLayout::Hash) && spec.log.attempt.is_some());
    if !attempts {
        spec.results.attempt = None;
        spec.log.attempt = None;
    }
    if spec.scan.classes.is_empty() {
        let mut checks = spec.scan.checks();
        checks.extend(Class::REDIS_ONLY);
        spec.scan.classes = checks.into_iter().collect();
    }
    spec
}

/// Runs the whole audit (steps 1 to 7 of the module).
pub async fn audit(
    results: &ResultsSide,
    log: &RedisLog,
    spec: &AuditSpec,
    as_of: DateTime<Utc>,
    progress: &Progress,
) -> Result<Findings, Error> {
    // 1.
    let read = log.read(spec, progress).await?;
    // 2.
    let (payload_columns, rows) = results.load(spec, progress).await?;
    // 3.
    let spec = engine_spec(spec, log);
    let records = read.records;
    let entries = records.iter().map(|r| r.entry.clone()).collect();
    let data = Dataset::complete(&spec, payload_columns, rows, entries);
    progress.phase("comparing the log with the results");
    let mut findings = scan(&data, &spec, as_of);
    let checks: BTreeSet<Class> = findings.checked.iter().copied().collect();
    let canon = Canonicalizer::new(data.json_columns.clone(), &spec.results.ignore_fields);
    let row_ref = |r: &ResultRow, status: Option<Status>| RowRef {
        pk: r.pk.clone(),
        key: r.key.clone(),
        attempt: r.attempt.clone(),
        written_at: r.written_at,
        payload_hash: canon.canonicalize(&r.payload).hash.to_string(),
        attempt_status: status,
    };

    // 4.
    for r in &records {
        let (Some(expiry), Status::Processing) = (r.in_progress_expiry, r.entry.status) else {
            continue;
        };
        if expiry < as_of {
            findings.findings.push(Finding {
                class: Class::StaleProcessing,
                key: r.entry.key.clone(),
                payload_hash: None,
                surplus_rows: 0,
                rows: Vec::new(),
                attempts: vec![crate::scan::attempt_ref(&r.entry)],
                payload_diff: Vec::new(),
                note: format!(
                    "{} still {}, {} past its in-progress expiry {} (the call never finished)",
                    r.redis_key,
                    r.entry.raw_status,
                    human(as_of - expiry),
                    fmt_time(Some(expiry))
                ),
            });
        }
    }

    // 5.
    let expired: HashSet<&Key> = read.expired.iter().map(|(k, _)| k).collect();
    let ttl = spec
        .log
        .redis
        .as_ref()
        .and_then(|r| r.ttl)
        .and_then(|t| chrono::Duration::from_std(t).ok());
    for f in findings
        .findings
        .iter_mut()
        .filter(|f| f.class == Class::OrphanResult && f.attempts.is_empty())
    {
        let written = f.rows.first().and_then(|r| r.written_at);
        if f.key.as_ref().is_some_and(|k| expired.contains(k)) {
            f.class = Class::ExpiredRecord;
            f.note = "the key's record has status EXPIRED".into();
        } else if let (Some(ttl), Some(written)) = (ttl, written) {
            if written + ttl <= as_of {
                f.class = Class::ExpiredRecord;
                f.note = format!(
                    "written {}; a record of that time expired by {} (ttl {})",
                    fmt_time(Some(written)),
                    fmt_time(Some(written + ttl)),
                    human(ttl)
                );
            } else {
                f.note = format!(
                    "never recorded: a record written with the row would live until {}",
                    fmt_time(Some(written + ttl))
                );
            }
        }
    }

    // 6.
    if let Some(v) = spec.log.redis.as_ref().and_then(|r| r.validation.clone()) {
        let column = data
            .payload_columns
            .iter()
            .position(|c| *c == v.column)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "log.redis.validation.column: `{}` is not one of the payload columns {:?}",
                    v.column, data.payload_columns
                ))
            })?;
        let with_hash: HashMap<&Key, Vec<&Record>> = records
            .iter()
            .filter(|r| r.validation.is_some())
            .fold(HashMap::new(), |mut m, r| {
                if let Some(k) = &r.entry.key {
                    m.entry(k).or_default().push(r);
                }
                m
            });
        let by_attempt = spec.results.attempt.is_some();
        for row in &data.results {
            let Some(key) = &row.key else { continue };
            for r in with_hash.get(key).into_iter().flatten() {
                if by_attempt && r.entry.attempt != row.attempt {
                    continue;
                }
                let expected = r.validation.as_deref().unwrap_or_default();
                let actual = validation_hash(&v, row.payload[column].as_deref());
                if actual.as_deref() != Some(expected) {
                    findings.findings.push(Finding {
                        class: Class::ValidationMismatch,
                        key: Some(key.clone()),
                        payload_hash: None,
                        surplus_rows: 0,
                        rows: vec![row_ref(row, Some(r.entry.status))],
                        attempts: vec![crate::scan::attempt_ref(&r.entry)],
                        payload_diff: Vec::new(),
                        note: match actual {
                            Some(actual) => format!(
                                "{} holds validation {expected}, the row's {} hashes to {actual}",
                                r.redis_key,
                                describe(&v)
                            ),
                            None => format!(
                                "{} holds validation {expected}, the row has no {}",
                                r.redis_key,
                                describe(&v)
                            ),
                        },
                    });
                }
            }
        }
    }

    // 7.
    for (key, m) in &read.malformed {
        findings.findings.push(Finding {
            class: Class::MalformedRecord,
            key: key.clone(),
            payload_hash: None,
            surplus_rows: 0,
            rows: Vec::new(),
            attempts: Vec::new(),
            payload_diff: Vec::new(),
            note: format!("{}: {}", m.redis_key, m.reason),
        });
    }
    findings.findings.retain(|f| checks.contains(&f.class));
    sort_findings(&mut findings.findings);
    findings.summary = summarize(&checks, &findings.findings);
    findings.redis = Some(read.stats);
    Ok(findings)
}

fn describe(v: &ValidationSpec) -> String {
    match &v.path {
        Some(p) => format!("{}.{p}", v.column),
        None => v.column.clone(),
    }
}

/// MD5 of `json.dumps(value, sort_keys=True)` of the validated part of a cell, as
/// Powertools computes it; `None` when the cell or the path is missing.
pub fn validation_hash(v: &ValidationSpec, cell: Option<&str>) -> Option<String> {
    let cell = cell?;
    let mut value: serde_json::Value =
        serde_json::from_str(cell).unwrap_or_else(|_| serde_json::Value::String(cell.to_string()));
    if let Some(path) = &v.path {
        for part in path.split('.') {
            value = value.get(part)?.clone();
        }
    }
    let text = python_json(&value);
    Some(format!("{:x}", Md5::digest(text.as_bytes())))
}

/// `json.dumps(value, sort_keys=True)` of Python: `, ` and `: ` separators, object
/// keys sorted, non-ASCII escaped as `\uXXXX`.
pub fn python_json(value: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match value {
        J::Null => "null".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => python_float(f),
            _ => n.to_string(),
        },
        J::String(s) => python_string(s),
        J::Array(items) => {
            let parts: Vec<String> = items.iter().map(python_json).collect();
            format!("[{}]", parts.join(", "))
        }
        J::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}: {}", python_string(k), python_json(&map[k])))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// Python's `repr(float)`: shortest round-trip digits, `.0` on whole numbers, an
/// exponent from 1e16 up and below 1e-4.
fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').expect("exponent form");
        let exp: i32 = exp.parse().expect("an exponent");
        return format!(
            "{mantissa}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        );
    }
    let s = format!("{f}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

fn python_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_json_matches_json_dumps_sort_keys() {
        // Each expected text is what CPython's json.dumps(..., sort_keys=True) prints.
        let v: serde_json::Value = serde_json::from_str(
            r#"{"b": [1, 2.5, true, null], "a": "é\"x", "c": {"z": 1e20, "y": 0.0001}}"#,
        )
        .unwrap();
        assert_eq!(
            python_json(&v),
            r#"{"a": "\u00e9\"x", "b": [1, 2.5, true, null], "c": {"y": 0.0001, "z": 1e+20}}"#
        );
        assert_eq!(python_json(&serde_json::json!(3.0)), "3.0");
        assert_eq!(python_json(&serde_json::json!(0.00001)), "1e-05");
        assert_eq!(python_json(&serde_json::json!("😀")), r#""\ud83d\ude00""#);
    }

    #[test]
    fn validation_hash_is_md5_of_the_dumped_value() {
        let v = ValidationSpec {
            column: "payload".into(),
            path: Some("amount".into()),
        };
        // hashlib.md5(json.dumps(10, sort_keys=True).encode()).hexdigest()
        assert_eq!(
            validation_hash(&v, Some(r#"{"amount": 10, "x": 1}"#)).as_deref(),
            Some("d3d9446802a44259755d38e6d163e820")
        );
        assert_eq!(validation_hash(&v, Some(r#"{"x": 1}"#)), None);
        assert_eq!(validation_hash(&v, None), None);
    }
}
