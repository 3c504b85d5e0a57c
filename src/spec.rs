//! The audit spec: a TOML file that maps the user's schema onto dupaudit's concepts.
//!
//! In: the text of `dupaudit.toml` (and the path it came from, for errors and for
//! resolving relative file paths). Out: a validated [`AuditSpec`] in which every value
//! has a default matching the schema described in DESIGN.md, so an empty file is a
//! valid spec for a pipeline that uses the conventional names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::sql::TableName;
pub use crate::vocab::Status;
use crate::vocab::{Class, KeepRule, KeyPattern};

/// The largest spec file dupaudit reads (a spec holds a few kilobytes).
pub const MAX_SPEC_BYTES: u64 = 1 << 20;

/// The whole audit spec.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditSpec {
    /// Where the data lives when no `--database-url` or file flags are given.
    pub source: SourceSpec,
    /// The results table: the rows that may have been written twice.
    pub results: ResultsSpec,
    /// The idempotency log kept beside the results.
    pub log: LogSpec,
    /// Options of the scan itself.
    pub scan: ScanSpec,
    /// How `plan` picks keepers and where `apply` keeps what it removes.
    pub cleanup: CleanupSpec,
}

/// Default location of the data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourceSpec {
    /// A sqlx-style URL: `sqlite://path`, `postgres://...`, `mysql://...`.
    pub database_url: Option<String>,
    /// A CSV, Parquet or NDJSON export of the results table.
    pub results_file: Option<PathBuf>,
    /// A CSV, Parquet or NDJSON export of the idempotency log.
    pub log_file: Option<PathBuf>,
    /// The idempotency log kept in Redis or Valkey: a `redis://` or `rediss://` URL
    /// (laid out as `[log.redis]` says); the results come from `database_url` or
    /// `results_file`.
    pub log_url: Option<String>,
    /// A Spark Connect server (`sc://host:15002`, with `/;token=…;use_ssl=true`
    /// when it asks for them) that reads `results_file` and `log_file` (paths the
    /// cluster reaches), or else the `[results]` and `[log]` tables of its catalog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spark: Option<String>,
    /// The format Spark reads the files in (`parquet`, `csv`, `json`) when their
    /// names do not say it (a folder of files); only for a Spark source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// How the results table is laid out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResultsSpec {
    pub table: String,
    /// The schema (PostgreSQL) or database (MySQL) the table is in; default: the
    /// connection's current one. `apply` keeps its own tables in this one too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Primary key column(s): how a single row is named in reports and plans.
    pub primary_key: Vec<String>,
    /// Idempotency key column(s); more than one scopes the key (e.g. operation + key).
    pub key: Vec<String>,
    /// Payload columns compared for equality. Empty means "every column except
    /// `payload_except`, the primary key, the key, the attempt and the timestamp".
    pub payload: Vec<String>,
    /// Columns left out of the payload when `payload` is empty.
    pub payload_except: Vec<String>,
    /// Payload columns holding JSON, compared by content rather than by text.
    pub json: Vec<String>,
    /// Dotted paths inside JSON payloads that are ignored (volatile fields).
    pub ignore_fields: Vec<String>,
    /// Column naming the attempt that wrote the row; empty when there is none.
    pub attempt: Option<String>,
    /// Column holding the time the row was written.
    pub timestamp: Option<String>,
    /// The zone of the table's times written without one (an IANA name such as
    /// "Europe/Berlin"); default UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// What the table's integer times count: seconds (default), milliseconds or
    /// microseconds since 1970.
    #[serde(skip_serializing_if = "EpochUnit::is_seconds")]
    pub epoch_unit: EpochUnit,
}

/// What an integer timestamp counts since 1970-01-01 UTC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EpochUnit {
    #[default]
    Seconds,
    Milliseconds,
    Microseconds,
}

impl EpochUnit {
    fn is_seconds(&self) -> bool {
        *self == EpochUnit::Seconds
    }
}

/// How the idempotency log is laid out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSpec {
    pub table: String,
    /// The schema (PostgreSQL) or database (MySQL) the log is in; default: the
    /// connection's current one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Key column(s), in the same order as `results.key`.
    pub key: Vec<String>,
    pub attempt: Option<String>,
    pub status: String,
    pub created_at: String,
    pub updated_at: Option<String>,
    /// How long an attempt may stay PROCESSING before its lease is stale
    /// (humantime syntax: "15m", "2h 30m").
    #[serde(with = "humantime_serde_compat")]
    pub lease: Duration,
    pub statuses: StatusSpellings,
    /// As `results.time_zone`, for the log's times.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// As `results.epoch_unit`, for the log's times.
    #[serde(skip_serializing_if = "EpochUnit::is_seconds")]
    pub epoch_unit: EpochUnit,
    /// How the log is laid out when it is kept in Redis (see [`RedisLogSpec`]).
    pub redis: Option<RedisLogSpec>,
}

/// The layout of an idempotency log kept in Redis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisLogSpec {
    /// `powertools` (a JSON document per key) or `hash` (a Redis hash per key).
    pub layout: RedisLayout,
    /// How a Redis key name is made from the idempotency key: literal text and
    /// `{column}` placeholders naming every `results.key` column once, optionally an
    /// `{attempt}` placeholder (one record per attempt).
    pub key: String,
    /// The `SCAN ... MATCH` pattern; default: `key` with each placeholder as `*`.
    #[serde(rename = "match")]
    pub match_pattern: Option<String>,
    /// Keys asked for per `SCAN` call and records read per pipelined round trip.
    pub batch: usize,
    /// How long a record lives (the store's TTL, e.g. Powertools'
    /// `expires_after_seconds`): tells a result row whose record has expired from
    /// one that was never recorded. Empty: not told apart.
    #[serde(with = "humantime_option")]
    pub ttl: Option<Duration>,
    /// Attribute names of the `powertools` layout, as Powertools lets them be set.
    pub attributes: PowertoolsAttributes,
    /// Recompute the records' `validation` hash from the result rows.
    pub validation: Option<ValidationSpec>,
}

/// The two record layouts dupaudit reads from Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RedisLayout {
    /// AWS Lambda Powertools' Redis persistence layer: a JSON string per key.
    #[default]
    Powertools,
    /// A hash per key whose fields are named by `[log]` (`status`, `attempt`,
    /// `created_at`, `updated_at`), statuses spelled as `[log.statuses]` says.
    Hash,
}

/// The JSON attribute names of a Powertools record (its `*_attr` options).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PowertoolsAttributes {
    pub status: String,
    pub expiration: String,
    pub in_progress_expiration: String,
    pub data: String,
    pub validation: String,
}

/// How a record's `validation` hash is recomputed from a result row: the value at
/// `path` inside the JSON column `column` (the whole value without a path), dumped
/// as Python's `json.dumps(value, sort_keys=True)` and hashed with MD5, as
/// Powertools hashes the part of the event its `payload_validation_jmespath` picks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationSpec {
    pub column: String,
    #[serde(default)]
    pub path: Option<String>,
}

impl Default for RedisLogSpec {
    fn default() -> Self {
        RedisLogSpec {
            layout: RedisLayout::Powertools,
            key: String::new(),
            match_pattern: None,
            batch: 1000,
            ttl: None,
            attributes: PowertoolsAttributes::default(),
            validation: None,
        }
    }
}

impl Default for PowertoolsAttributes {
    fn default() -> Self {
        PowertoolsAttributes {
            status: "status".into(),
            expiration: "expiration".into(),
            in_progress_expiration: "in_progress_expiration".into(),
            data: "data".into(),
            validation: "validation".into(),
        }
    }
}

/// The spellings of each status value in the log (compared case-insensitively,
/// surrounding whitespace ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatusSpellings {
    pub processing: Vec<String>,
    pub completed: Vec<String>,
    pub failed: Vec<String>,
}

/// Options of the scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScanSpec {
    /// Look for the same payload under different keys. This hashes every payload of
    /// the table, so on very large tables it is the expensive part of a scan.
    pub cross_key: bool,
    /// The classes to check; empty means all of them. Checking fewer lets a
    /// database skip the queries of the others.
    pub classes: Vec<Class>,
    /// Audit only the keys touched in this window (`--since`, `--until`,
    /// `--incremental`); never read from the file.
    #[serde(skip)]
    pub window: Option<TimeWindow>,
}

/// Options of `plan`, `apply` and `restore`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CleanupSpec {
    /// Which row of an exact group is kept: the first rule that leaves one row
    /// decides, lowest primary key breaks a remaining tie.
    pub keep: Vec<KeepRule>,
    /// Conflicts are never planned unless this chain is given: it picks the one row a
    /// conflicting key keeps, and every other row of the key is removed.
    pub resolve_conflicts: Option<Vec<KeepRule>>,
    /// Removed rows are copied here (created by `apply` with the results table's
    /// columns plus the run id) before they are deleted.
    pub quarantine_table: String,
    /// One row per `apply` run: who, when, plan checksum, counts.
    pub runs_table: String,
    /// The groups each run has finished, so an interrupted run resumes.
    pub journal_table: String,
}

impl Default for CleanupSpec {
    fn default() -> Self {
        CleanupSpec {
            keep: vec![KeepRule::CompletedAttempt, KeepRule::Earliest],
            resolve_conflicts: None,
            quarantine_table: "dupaudit_quarantine".into(),
            runs_table: "dupaudit_runs".into(),
            journal_table: "dupaudit_journal".into(),
        }
    }
}

/// A half-open time window `[since, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub since: chrono::DateTime<chrono::Utc>,
    pub until: chrono::DateTime<chrono::Utc>,
}

impl TimeWindow {
    pub fn contains(&self, t: chrono::DateTime<chrono::Utc>) -> bool {
        t >= self.since && t < self.until
    }
}

impl ScanSpec {
    /// The classes this scan checks: `classes` (or all), less cross-key when it is off.
    pub fn checks(&self) -> BTreeSet<Class> {
        let mut checks: BTreeSet<Class> = if self.classes.is_empty() {
            Class::ALL
                .into_iter()
                .filter(|c| !Class::REDIS_ONLY.contains(c))
                .collect()
        } else {
            self.classes.iter().copied().collect()
        };
        if !self.cross_key {
            checks.remove(&Class::CrossKey);
        }
        checks
    }
}

impl Default for ResultsSpec {
    fn default() -> Self {
        ResultsSpec {
            table: "results".into(),
            schema: None,
            primary_key: vec!["id".into()],
            key: vec!["idempotency_key".into()],
            payload: vec!["payload".into()],
            payload_except: Vec::new(),
            json: vec!["payload".into()],
            ignore_fields: Vec::new(),
            attempt: Some("attempt_id".into()),
            timestamp: Some("created_at".into()),
            time_zone: None,
            epoch_unit: EpochUnit::Seconds,
        }
    }
}

impl LogSpec {
    /// The table, in its schema.
    pub fn table_name(&self) -> TableName {
        TableName::new(self.schema.as_deref(), &self.table)
    }
}

impl Default for LogSpec {
    fn default() -> Self {
        LogSpec {
            table: "idempotency_log".into(),
            schema: None,
            key: vec!["idempotency_key".into()],
            attempt: Some("attempt_id".into()),
            status: "status".into(),
            created_at: "created_at".into(),
            updated_at: Some("updated_at".into()),
            lease: Duration::from_secs(15 * 60),
            statuses: StatusSpellings::default(),
            time_zone: None,
            epoch_unit: EpochUnit::Seconds,
            redis: None,
        }
    }
}

impl Default for StatusSpellings {
    fn default() -> Self {
        StatusSpellings {
            processing: vec!["PROCESSING".into()],
            completed: vec!["COMPLETED".into()],
            failed: vec!["FAILED".into()],
        }
    }
}

impl Default for ScanSpec {
    fn default() -> Self {
        ScanSpec {
            cross_key: true,
            classes: Vec::new(),
            window: None,
        }
    }
}

impl StatusSpellings {
    /// Maps a raw status value onto a [`Status`].
    pub fn classify(&self, raw: &str) -> Status {
        let raw = raw.trim();
        let is = |list: &[String]| list.iter().any(|s| s.trim().eq_ignore_ascii_case(raw));
        if is(&self.completed) {
            Status::Completed
        } else if is(&self.failed) {
            Status::Failed
        } else if is(&self.processing) {
            Status::Processing
        } else {
            Status::Unknown
        }
    }
}

impl ResultsSpec {
    /// The table, in its schema.
    pub fn table_name(&self) -> TableName {
        TableName::new(self.schema.as_deref(), &self.table)
    }

    /// Another table (or index) in the results table's schema: `apply`'s own
    /// tables are kept there.
    pub fn in_schema(&self, name: &str) -> TableName {
        self.table_name().beside(name)
    }

    /// The payload columns, given every column the table has (needed for
    /// "all columns except").
    pub fn payload_columns(&self, table_columns: &[String]) -> Vec<String> {
        if !self.payload.is_empty() {
            return self.payload.clone();
        }
        let structural: Vec<&String> = self
            .primary_key
            .iter()
            .chain(&self.key)
            .chain(&self.attempt)
            .chain(&self.timestamp)
            .chain(&self.payload_except)
            .collect();
        table_columns
            .iter()
            .filter(|c| !structural.contains(c))
            .cloned()
            .collect()
    }
}

impl AuditSpec {
    /// Reads and validates a spec file.
    pub fn load(path: &Path) -> Result<AuditSpec, Error> {
        if !path.exists() {
            return Err(Error::SpecRead {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        let bytes = crate::vocab::read_bounded(path, MAX_SPEC_BYTES).map_err(|message| {
            Error::SpecRead {
                path: path.to_path_buf(),
                source: std::io::Error::other(message),
            }
        })?;
        let text = String::from_utf8(bytes).map_err(|_| Error::Spec {
            path: path.to_path_buf(),
            message: "not UTF-8 text".into(),
        })?;
        AuditSpec::parse(&text, path)
    }

    /// Parses and validates spec text; `path` is used in error messages only.
    pub fn parse(text: &str, path: &Path) -> Result<AuditSpec, Error> {
        let mut spec: AuditSpec = toml::from_str(text).map_err(|e| Error::Spec {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        // `attempt = ""` says "this table has no such column".
        for optional in [
            &mut spec.results.attempt,
            &mut spec.results.timestamp,
            &mut spec.log.attempt,
            &mut spec.log.updated_at,
        ] {
            if optional.as_deref() == Some("") {
                *optional = None;
            }
        }
        spec.validate()
            .and_then(|()| spec.validate_redis())
            .map_err(|message| Error::Spec {
                path: path.to_path_buf(),
                message,
            })?;
        Ok(spec)
    }

    /// Checks what serde cannot: non-empty lists, consistent key arity and
    /// identifiers that can be quoted safely.
    fn validate(&self) -> Result<(), String> {
        let r = &self.results;
        let l = &self.log;
        if r.primary_key.is_empty() {
            return Err("results.primary_key: at least one column is required".into());
        }
        if r.key.is_empty() {
            return Err("results.key: at least one column is required".into());
        }
        if l.key.len() != r.key.len() {
            return Err(format!(
                "log.key has {} column(s) but results.key has {}; they must name the same key in the same order",
                l.key.len(),
                r.key.len()
            ));
        }
        if r.attempt.is_some() != l.attempt.is_some() {
            return Err("results.attempt and log.attempt must both be set or both be empty".into());
        }
        if l.lease.is_zero() {
            return Err("log.lease: must be longer than zero".into());
        }
        if let Some(format) = &self.source.format {
            if crate::source::SparkFormat::named(format).is_none() {
                return Err(format!(
                    "source.format: `{format}` is not a format Spark reads for dupaudit; write \"parquet\", \"csv\" or \"json\""
                ));
            }
        }
        if let Some(url) = &self.source.spark {
            if !url.starts_with("sc://") {
                return Err(format!(
                    "source.spark: `{}` is not a Spark Connect URL; write sc://host:15002",
                    crate::source::redact_spark_url(url)
                ));
            }
            if self.source.database_url.is_some() {
                return Err(
                    "source.spark and source.database_url name two sources; keep one".into(),
                );
            }
        }
        for json in &r.json {
            if !r.payload.is_empty() && !r.payload.contains(json) {
                return Err(format!(
                    "results.json: `{json}` is not one of the payload columns {:?}",
                    r.payload
                ));
            }
        }
        for (field, zone) in [
            ("results.time_zone", &r.time_zone),
            ("log.time_zone", &l.time_zone),
        ] {
            if let Some(zone) = zone {
                zone.parse::<chrono_tz::Tz>().map_err(|_| {
                    format!(
                        "{field}: `{zone}` is not a time zone; write an IANA name such as \"Europe/Berlin\" or \"America/New_York\" (or \"UTC\")"
                    )
                })?;
            }
        }
        for field in &r.ignore_fields {
            if field.is_empty() || field.split('.').any(str::is_empty) {
                return Err(format!(
                    "results.ignore_fields: `{field}` is not a dotted path such as `latency_ms` or `meta.trace_id`"
                ));
            }
        }
        let identifiers = [
            ("results.table", vec![&r.table]),
            ("log.table", vec![&l.table]),
            ("results.schema", r.schema.iter().collect()),
            ("log.schema", l.schema.iter().collect()),
            ("results.primary_key", r.primary_key.iter().collect()),
            ("results.key", r.key.iter().collect()),
            ("results.payload", r.payload.iter().collect()),
            ("results.payload_except", r.payload_except.iter().collect()),
            ("results.json", r.json.iter().collect()),
            ("results.attempt", r.attempt.iter().collect()),
            ("results.timestamp", r.timestamp.iter().collect()),
            ("log.key", l.key.iter().collect()),
            ("log.attempt", l.attempt.iter().collect()),
            ("log.status", vec![&l.status]),
            ("log.created_at", vec![&l.created_at]),
            ("log.updated_at", l.updated_at.iter().collect()),
            (
                "cleanup.quarantine_table",
                vec![&self.cleanup.quarantine_table],
            ),
            ("cleanup.runs_table", vec![&self.cleanup.runs_table]),
            ("cleanup.journal_table", vec![&self.cleanup.journal_table]),
        ];
        let c = &self.cleanup;
        if c.keep.is_empty() {
            return Err("cleanup.keep: at least one rule is required, e.g. [\"completed-attempt\", \"earliest\"]".into());
        }
        if c.resolve_conflicts.as_ref().is_some_and(Vec::is_empty) {
            return Err("cleanup.resolve_conflicts: give at least one rule, or leave it out to never plan conflicts".into());
        }
        let names = [&c.quarantine_table, &c.runs_table, &c.journal_table];
        // The cleanup tables are kept in the results table's schema.
        if names
            .iter()
            .any(|n| **n == r.table || (**n == l.table && l.schema == r.schema))
            || names[0] == names[1]
            || names[1] == names[2]
            || names[0] == names[2]
        {
            return Err("cleanup: quarantine_table, runs_table and journal_table must be three tables other than the results table and the log".into());
        }
        for (field, names) in identifiers {
            for name in names {
                crate::sql::validate_identifier(name).map_err(|why| format!("{field}: {why}"))?;
            }
        }
        Ok(())
    }
}

/// Specs derived from a spec. A spec is read once and never changed; what a
/// command or a source asks of the classifier beyond the file (other classes, a
/// window, no attempts) is a new spec built here.
impl AuditSpec {
    /// The same spec checking `classes` (empty: all of them), cross-key or not.
    pub fn with_checks(&self, classes: Vec<Class>, cross_key: bool) -> AuditSpec {
        let mut spec = self.clone();
        spec.scan.classes = classes;
        spec.scan.cross_key = cross_key;
        spec
    }

    /// The same spec auditing only the keys touched in `window`.
    pub fn with_window(&self, window: Option<TimeWindow>) -> AuditSpec {
        let mut spec = self.clone();
        spec.scan.window = window;
        spec
    }

    /// The same spec resolving conflicts by `chain` (keeping the row it picks).
    pub fn with_resolve_conflicts(&self, chain: Vec<KeepRule>) -> AuditSpec {
        let mut spec = self.clone();
        spec.cleanup.resolve_conflicts = Some(chain);
        spec
    }

    /// The same spec matching rows to the log by key alone: for a log whose
    /// records carry no attempt.
    pub fn without_attempts(&self) -> AuditSpec {
        let mut spec = self.clone();
        spec.results.attempt = None;
        spec.log.attempt = None;
        spec
    }

    /// The same spec with the passwords of its URLs taken out, as a plan file
    /// records it.
    pub fn redacted(&self) -> AuditSpec {
        let mut spec = self.clone();
        for url in [&mut spec.source.database_url, &mut spec.source.log_url] {
            *url = url.as_deref().map(crate::vocab::redact_url);
        }
        spec.source.spark = spec
            .source
            .spark
            .as_deref()
            .map(crate::source::redact_spark_url);
        spec
    }
}

impl AuditSpec {
    /// Checks `[log.redis]`: a key pattern that names every key column once.
    fn validate_redis(&self) -> Result<(), String> {
        let Some(r) = &self.log.redis else {
            return Ok(());
        };
        if r.batch == 0 {
            return Err("log.redis.batch: must be at least 1".into());
        }
        KeyPattern::parse(&r.key, &self.results.key)
            .map_err(|why| format!("log.redis.key: {why}"))?;
        if let Some(v) = &r.validation {
            crate::sql::validate_identifier(&v.column)
                .map_err(|why| format!("log.redis.validation.column: {why}"))?;
        }
        Ok(())
    }
}

/// `ttl = "1h"` in TOML, an optional [`Duration`] in Rust.
mod humantime_option {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&humantime::format_duration(*d).to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let text = String::deserialize(d)?;
        if text.trim().is_empty() {
            return Ok(None);
        }
        humantime::parse_duration(&text).map(Some).map_err(|e| {
            serde::de::Error::custom(format!(
                "`{text}` is not a duration ({e}); write e.g. \"1h\" or \"90m\""
            ))
        })
    }
}

/// `lease = "15m"` in TOML, a [`Duration`] in Rust.
mod humantime_serde_compat {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(*d).to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_duration(&text).map_err(|e| {
            serde::de::Error::custom(format!(
                "`{text}` is not a duration ({e}); write e.g. \"15m\" or \"2h 30m\""
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<AuditSpec, Error> {
        AuditSpec::parse(text, Path::new("dupaudit.toml"))
    }

    #[test]
    fn empty_spec_uses_the_design_schema() {
        let spec = parse("").unwrap();
        assert_eq!(spec.results.table, "results");
        assert_eq!(spec.log.table, "idempotency_log");
        assert_eq!(spec.log.lease, Duration::from_secs(900));
        assert!(spec.scan.cross_key);
    }

    #[test]
    fn unknown_field_is_named_with_its_line() {
        let err = parse("[results]\ntable = \"r\"\nprimry_key = [\"id\"]\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("primry_key"), "{text}");
        assert!(text.contains("line 3"), "{text}");
    }

    #[test]
    fn bad_lease_names_the_value() {
        let err = parse("[log]\nlease = \"soon\"\n").unwrap_err().to_string();
        assert!(err.contains("soon") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn key_arity_must_match_between_results_and_log() {
        let err = parse("[results]\nkey = [\"op\", \"k\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("log.key"), "{err}");
    }

    #[test]
    fn identifiers_with_control_characters_are_refused() {
        let err = parse("[results]\ntable = \"a\\u0000b\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("results.table"), "{err}");
    }

    #[test]
    fn a_schema_is_an_identifier_of_its_own_and_apply_tables_live_in_the_results_one() {
        let spec = parse("[results]\nschema = \"Pipe line\"\n[log]\nschema = \"ops\"\n").unwrap();
        assert_eq!(spec.results.table_name().to_string(), "Pipe line.results");
        assert_eq!(spec.log.table_name().to_string(), "ops.idempotency_log");
        assert_eq!(
            spec.results.in_schema("dupaudit_runs").to_string(),
            "Pipe line.dupaudit_runs"
        );
        let err = parse("[log]\nschema = \"a\\u0007b\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("log.schema"), "{err}");
        // A cleanup table may share the log's name in another schema, not in its own.
        let clash = "[log]\ntable = \"dupaudit_runs\"\n";
        assert!(parse(clash).is_err());
        assert!(parse(&format!("{clash}schema = \"ops\"\n")).is_ok());
    }

    #[test]
    fn statuses_are_matched_case_insensitively() {
        let s = StatusSpellings::default();
        assert_eq!(s.classify(" completed "), Status::Completed);
        assert_eq!(s.classify("FAILED"), Status::Failed);
        assert_eq!(s.classify("RETRYING"), Status::Unknown);
    }

    #[test]
    fn payload_all_except_leaves_out_structural_columns() {
        let spec =
            parse("[results]\npayload = []\njson = []\npayload_except = [\"note\"]\n").unwrap();
        let cols: Vec<String> = [
            "id",
            "idempotency_key",
            "attempt_id",
            "created_at",
            "output",
            "note",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            spec.results.payload_columns(&cols),
            vec!["output".to_string()]
        );
    }
}
