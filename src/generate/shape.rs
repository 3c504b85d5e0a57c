//! The shapes a generated incident's tables can take: the column types, time forms,
//! status spellings, indexes and foreign keys that pipelines' own tables have.
//!
//! In: a [`Shape`]. Out: the two tables' columns ([`Shape::results`], [`Shape::log`]),
//! each generated row as typed [`Value`]s that every writer (SQLite, PostgreSQL,
//! MySQL, CSV, NDJSON, Parquet) renders in its own way, the spec that reads the
//! tables ([`Shape::spec`]) and the form reports give a key ([`Shape::key_text`]), so
//! that one incident's ground truth holds in every shape. [`Shape::default`] is the
//! sample's own shape: the bytes of `sample-data/` do not depend on this module.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::{GenLog, GenRow};

/// The zone a [`TimeForm::Zoned`] table writes its times in: text forms carry its
/// offset, Parquet names it.
pub const ZONED_OFFSET_SECONDS: i32 = 2 * 3600;
pub const ZONED_PARQUET_ZONE: &str = "Europe/Berlin";
/// The zone whose wall-clock times a [`TimeForm::Local`] table holds, without a zone.
pub const LOCAL_ZONE: chrono_tz::Tz = chrono_tz::America::New_York;

/// The type of the idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyType {
    /// `(operation_name text, idempotency_key text)`: a key scoped by operation.
    #[default]
    Scoped,
    /// `idempotency_key uuid` (MySQL `CHAR(36)`, SQLite and files text).
    Uuid,
    /// `idempotency_key bigint`.
    Bigint,
    /// `(user_id bigint, idempotency_key text)`: a scoped key mixing types.
    ScopedBigint,
    /// `idempotency_key` as 16 bytes (MySQL `BINARY(16)`, PostgreSQL `bytea`, SQLite
    /// `BLOB`; files hold its hex).
    Binary,
}

/// How times are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeForm {
    /// The sample's own: UTC without a zone in text forms (`2026-10-14 14:02:10.123`),
    /// PostgreSQL `timestamptz`, MySQL `DATETIME(3)`, Parquet zoned UTC.
    #[default]
    Naive,
    /// With a zone everywhere: text with a `+02:00` offset, PostgreSQL `timestamptz`,
    /// MySQL `TIMESTAMP(6)`, Parquet zoned `Europe/Berlin`.
    Zoned,
    /// Integer milliseconds since 1970 (`epoch_unit = "milliseconds"` in the spec).
    EpochMillis,
    /// New York wall-clock times without a zone (`time_zone = "America/New_York"`):
    /// PostgreSQL `timestamp`, MySQL `DATETIME(6)`, Parquet naive.
    Local,
}

/// How the log spells its statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Spelling {
    /// PROCESSING / COMPLETED / FAILED.
    #[default]
    Upper,
    /// running / done / error.
    Lower,
}

/// The shape of an incident's two tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shape {
    pub key: KeyType,
    pub time: TimeForm,
    pub statuses: Spelling,
    /// An index on the results' key and a primary key over the log's key and attempt.
    pub indexed: bool,
    /// The results name their key and attempt differently (`request_key`, `attempt`)
    /// and point at the log's by a foreign key, declared but not checked against the
    /// rows (the incident has orphans). Implies the log's primary key.
    pub foreign_key: bool,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            key: KeyType::default(),
            time: TimeForm::default(),
            statuses: Spelling::default(),
            indexed: true,
            foreign_key: false,
        }
    }
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The results' integer primary key.
    Id,
    /// Short text: keys, attempts, statuses (MySQL `VARCHAR(191)`).
    Text,
    /// The payload: long text.
    Payload,
    Uuid,
    Integer,
    /// 16 bytes.
    Binary,
    /// A time, stored as the shape's [`TimeForm`] says.
    Time,
}

/// One column of a generated table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub nullable: bool,
}

/// A generated table: its columns, primary key and the index built after the rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub primary_key: Vec<&'static str>,
    pub index: Vec<&'static str>,
    /// The foreign key: these columns reference the log's primary key.
    pub references: Vec<&'static str>,
}

/// A value of a generated row, before a writer renders it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Text(Cow<'a, str>),
    Bytes([u8; 16]),
    Time(DateTime<Utc>),
}

const KEY_TYPES: [(&str, KeyType); 5] = [
    ("scoped", KeyType::Scoped),
    ("uuid", KeyType::Uuid),
    ("bigint", KeyType::Bigint),
    ("scoped-bigint", KeyType::ScopedBigint),
    ("binary", KeyType::Binary),
];
const TIME_FORMS: [(&str, TimeForm); 4] = [
    ("naive", TimeForm::Naive),
    ("zoned", TimeForm::Zoned),
    ("epoch-ms", TimeForm::EpochMillis),
    ("local", TimeForm::Local),
];
const SPELLINGS: [(&str, Spelling); 2] = [("upper", Spelling::Upper), ("lower", Spelling::Lower)];

fn name_of<T: PartialEq + Copy>(names: &[(&'static str, T)], value: T) -> &'static str {
    names
        .iter()
        .find(|(_, v)| *v == value)
        .map(|(n, _)| *n)
        .expect("every value is named")
}

fn parse_named<T: Copy>(names: &[(&'static str, T)], what: &str, text: &str) -> Result<T, String> {
    names
        .iter()
        .find(|(n, _)| *n == text.trim())
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let all: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
            format!("unknown {what} `{text}`; use one of {}", all.join(", "))
        })
}

macro_rules! named {
    ($t:ty, $names:expr, $what:expr) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(name_of(&$names, *self))
            }
        }
        impl FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<$t, String> {
                parse_named(&$names, $what, s)
            }
        }
    };
}
named!(KeyType, KEY_TYPES, "key type");
named!(TimeForm, TIME_FORMS, "time form");
named!(Spelling, SPELLINGS, "status spelling");

impl fmt::Display for Shape {
    /// `uuid-zoned-lower`, with `-no-index` and `-fk` when they apply.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.key, self.time, self.statuses)?;
        if !self.indexed {
            f.write_str("-no-index")?;
        }
        if self.foreign_key {
            f.write_str("-fk")?;
        }
        Ok(())
    }
}

impl Spelling {
    /// The spelling of a status the generator writes as PROCESSING, COMPLETED or FAILED.
    pub fn spell(self, status: &'static str) -> &'static str {
        match (self, status) {
            (Spelling::Upper, s) => s,
            (Spelling::Lower, "PROCESSING") => "running",
            (Spelling::Lower, "COMPLETED") => "done",
            (Spelling::Lower, "FAILED") => "error",
            (Spelling::Lower, other) => other,
        }
    }
}

impl Shape {
    /// The shapes of the conformance matrix: every key type, time form, spelling,
    /// index or none and foreign key or none appears in at least one, each shape
    /// small enough that the matrix runs every command on every engine.
    pub fn matrix() -> Vec<Shape> {
        use KeyType::*;
        use Spelling::*;
        use TimeForm::*;
        let shape = |key, time, statuses, indexed, foreign_key| Shape {
            key,
            time,
            statuses,
            indexed,
            foreign_key,
        };
        vec![
            shape(Scoped, Naive, Upper, true, false),
            shape(Uuid, Zoned, Lower, true, false),
            shape(Bigint, EpochMillis, Upper, false, false),
            shape(ScopedBigint, Local, Lower, false, false),
            shape(Uuid, Naive, Upper, false, true),
            shape(Binary, Zoned, Upper, true, false),
        ]
    }

    /// The key columns of the log, in key order, with their kinds.
    fn key_columns(&self) -> Vec<(&'static str, Kind)> {
        match self.key {
            KeyType::Scoped => vec![
                ("operation_name", Kind::Text),
                ("idempotency_key", Kind::Text),
            ],
            KeyType::Uuid => vec![("idempotency_key", Kind::Uuid)],
            KeyType::Bigint => vec![("idempotency_key", Kind::Integer)],
            KeyType::ScopedBigint => {
                vec![("user_id", Kind::Integer), ("idempotency_key", Kind::Text)]
            }
            KeyType::Binary => vec![("idempotency_key", Kind::Binary)],
        }
    }

    /// A log column's name in the results table: renamed when the results point at
    /// the log by a foreign key, as such schemas name their references.
    fn in_results(&self, log_column: &'static str) -> &'static str {
        if !self.foreign_key {
            return log_column;
        }
        match log_column {
            "idempotency_key" => "request_key",
            "operation_name" => "operation",
            "user_id" => "account_id",
            "attempt_id" => "attempt",
            other => other,
        }
    }

    /// Whether `operation_name` is a column of its own (not part of the key).
    fn separate_operation(&self) -> bool {
        self.key != KeyType::Scoped
    }

    /// The results table's columns in the key's order.
    pub fn results_key(&self) -> Vec<&'static str> {
        self.key_columns()
            .iter()
            .map(|(c, _)| self.in_results(c))
            .collect()
    }

    /// The log's key columns.
    pub fn log_key(&self) -> Vec<&'static str> {
        self.key_columns().iter().map(|(c, _)| *c).collect()
    }

    pub fn results_attempt(&self) -> &'static str {
        self.in_results("attempt_id")
    }

    /// The results table.
    pub fn results(&self) -> Table {
        let column = |name, kind, nullable| Column {
            name,
            kind,
            nullable,
        };
        let mut columns = vec![column("id", Kind::Id, false)];
        if self.separate_operation() {
            columns.push(column("operation_name", Kind::Text, false));
        }
        for (name, kind) in self.key_columns() {
            // Only the idempotency key itself is ever NULL (a writer that lost it).
            let nullable = name == "idempotency_key";
            columns.push(column(self.in_results(name), kind, nullable));
        }
        columns.push(column(self.results_attempt(), Kind::Text, false));
        columns.push(column("payload", Kind::Payload, false));
        columns.push(column("created_at", Kind::Time, false));
        Table {
            columns,
            primary_key: vec!["id"],
            index: match self.indexed {
                true => self.results_key(),
                false => Vec::new(),
            },
            references: match self.foreign_key {
                true => {
                    let mut r = self.results_key();
                    r.push(self.results_attempt());
                    r
                }
                false => Vec::new(),
            },
        }
    }

    /// The idempotency log: its key columns but the operation, the attempt, the
    /// operation, the status and two times (the sample's order).
    pub fn log(&self) -> Table {
        let column = |name, kind| Column {
            name,
            kind,
            nullable: false,
        };
        let mut columns: Vec<Column> = self
            .key_columns()
            .into_iter()
            .filter(|(n, _)| *n != "operation_name")
            .map(|(n, k)| column(n, k))
            .collect();
        columns.push(column("attempt_id", Kind::Text));
        columns.push(column("operation_name", Kind::Text));
        columns.push(column("status", Kind::Text));
        columns.push(column("created_at", Kind::Time));
        columns.push(column("updated_at", Kind::Time));
        let mut primary_key = Vec::new();
        if self.indexed || self.foreign_key {
            primary_key = self.log_key();
            primary_key.push("attempt_id");
        }
        Table {
            columns,
            primary_key,
            index: Vec::new(),
            references: Vec::new(),
        }
    }

    /// The key values of `(operation, key)` in this shape's types.
    fn key_values<'a>(&self, op: &'a str, key: &'a str) -> Vec<Value<'a>> {
        match self.key {
            KeyType::Scoped => vec![Value::Text(op.into()), Value::Text(key.into())],
            KeyType::Uuid => vec![Value::Text(uuid_text(&uuid_bytes(op, key)).into())],
            KeyType::Bigint => vec![Value::Int(key_number(key))],
            KeyType::ScopedBigint => vec![Value::Int(user_id(op)), Value::Text(key.into())],
            KeyType::Binary => vec![Value::Bytes(uuid_bytes(op, key))],
        }
    }

    /// How reports write the key of `(operation, key)`: what `explain` takes.
    pub fn key_text(&self, op: &str, key: &str) -> Vec<String> {
        match self.key {
            KeyType::Scoped => vec![op.to_string(), key.to_string()],
            KeyType::Uuid => vec![uuid_text(&uuid_bytes(op, key))],
            KeyType::Bigint => vec![key_number(key).to_string()],
            KeyType::ScopedBigint => vec![user_id(op).to_string(), key.to_string()],
            KeyType::Binary => vec![hex(&uuid_bytes(op, key))],
        }
    }

    /// A result row's values, in [`Shape::results`] column order.
    pub fn result_values<'a>(&self, r: &'a GenRow) -> Vec<Value<'a>> {
        let mut values = vec![Value::Int(r.id)];
        if self.separate_operation() {
            values.push(Value::Text(r.operation_name.as_str().into()));
        }
        match &r.idempotency_key {
            Some(key) => values.extend(self.key_values(&r.operation_name, key)),
            None => values.extend(self.key_columns().iter().map(|(name, _)| {
                match *name {
                    "idempotency_key" => Value::Null,
                    // The scope of a row whose key was lost is still known.
                    "operation_name" => Value::Text(r.operation_name.as_str().into()),
                    _ => Value::Int(user_id(&r.operation_name)),
                }
            })),
        }
        values.push(Value::Text(r.attempt_id.as_str().into()));
        values.push(Value::Text(r.payload.text()));
        values.push(Value::Time(r.created_at));
        values
    }

    /// A log row's values, in [`Shape::log`] column order.
    pub fn log_values<'a>(&self, l: &'a GenLog) -> Vec<Value<'a>> {
        let mut values: Vec<Value> = self
            .key_values(&l.operation_name, &l.idempotency_key)
            .into_iter()
            .zip(self.key_columns())
            .filter(|(_, (name, _))| *name != "operation_name")
            .map(|(v, _)| v)
            .collect();
        values.push(Value::Text(l.attempt_id.as_str().into()));
        values.push(Value::Text(l.operation_name.as_str().into()));
        values.push(Value::Text(self.statuses.spell(l.status).into()));
        values.push(Value::Time(l.created_at));
        values.push(Value::Time(l.updated_at));
        values
    }

    /// The time settings the spec needs for this shape's time form.
    fn time_settings(&self) -> &'static str {
        match self.time {
            TimeForm::Naive | TimeForm::Zoned => "",
            TimeForm::EpochMillis => "epoch_unit = \"milliseconds\"\n",
            TimeForm::Local => "time_zone = \"America/New_York\"\n",
        }
    }

    /// The spec that reads tables of this shape (no `[source]`: the caller says where).
    pub fn spec(&self) -> String {
        format!(
            "{}\n{}",
            self.spec_header(),
            self.spec_body("results", "idempotency_log")
        )
    }

    /// The comment a shape's spec starts with.
    pub fn spec_header(&self) -> String {
        format!("# Reads an incident generated in the shape `{self}`.")
    }

    /// The spec's `[results]`, `[log]` and `[log.statuses]`, for tables of these names.
    pub fn spec_body(&self, results: &str, log: &str) -> String {
        let list = |cs: &[&str]| {
            let quoted: Vec<String> = cs.iter().map(|c| format!("\"{c}\"")).collect();
            format!("[{}]", quoted.join(", "))
        };
        let spellings = |s: &'static str| format!("[\"{}\"]", self.statuses.spell(s));
        format!(
            "[results]\ntable = {results}\nprimary_key = [\"id\"]\nkey = {rkey}\npayload = [\"payload\"]\n\
             json = [\"payload\"]\nignore_fields = [\"latency_ms\"]\nattempt = \"{attempt}\"\n\
             timestamp = \"created_at\"\n{time}\
             \n[log]\ntable = {log}\nkey = {lkey}\nattempt = \"attempt_id\"\nstatus = \"status\"\n\
             created_at = \"created_at\"\nupdated_at = \"updated_at\"\n{time}\
             \n[log.statuses]\nprocessing = {processing}\ncompleted = {completed}\nfailed = {failed}\n",
            results = toml::Value::String(results.into()),
            log = toml::Value::String(log.into()),
            rkey = list(&self.results_key()),
            lkey = list(&self.log_key()),
            attempt = self.results_attempt(),
            time = self.time_settings(),
            processing = spellings("PROCESSING"),
            completed = spellings("COMPLETED"),
            failed = spellings("FAILED"),
        )
    }
}

impl TimeForm {
    /// A time as text, as text forms (CSV, NDJSON, SQLite) write it; `None` for the
    /// integer form, written as a number.
    pub fn text(self, t: DateTime<Utc>) -> Option<String> {
        Some(match self {
            TimeForm::Naive => super::text_time(t),
            TimeForm::Zoned => zoned(t).format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string(),
            TimeForm::EpochMillis => return None,
            TimeForm::Local => local(t).format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        })
    }

    /// A time as a value a writer binds or renders.
    pub fn value(self, t: DateTime<Utc>) -> Value<'static> {
        match self.text(t) {
            Some(text) => Value::Text(text.into()),
            None => Value::Int(t.timestamp_millis()),
        }
    }
}

/// `t` in the zone of [`TimeForm::Zoned`].
pub fn zoned(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&FixedOffset::east_opt(ZONED_OFFSET_SECONDS).expect("a valid offset"))
}

/// `t` as a New York wall-clock time.
pub fn local(t: DateTime<Utc>) -> NaiveDateTime {
    LOCAL_ZONE.from_utc_datetime(&t.naive_utc()).naive_local()
}

/// The number in a generated key `req-0000042-ab12`.
fn key_number(key: &str) -> i64 {
    key.split('-')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("generated keys carry their number")
}

/// The user a scoped-bigint key belongs to: one per operation.
fn user_id(op: &str) -> i64 {
    match op {
        "summarize" => 1001,
        "classify" => 1002,
        "translate" => 1003,
        "extract" => 1004,
        _ => 1000,
    }
}

/// A version-4-shaped UUID made from the key: the same key, the same UUID.
fn uuid_bytes(op: &str, key: &str) -> [u8; 16] {
    let hash = blake3::hash(format!("{op}/{key}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&hash.as_bytes()[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `8-4-4-4-12` lowercase hex, as PostgreSQL prints a `uuid`.
fn uuid_text(b: &[u8; 16]) -> String {
    let h = hex(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_of_every_dimension_is_in_the_matrix() {
        let m = Shape::matrix();
        for (_, k) in KEY_TYPES {
            assert!(m.iter().any(|s| s.key == k), "{k}");
        }
        for (_, t) in TIME_FORMS {
            assert!(m.iter().any(|s| s.time == t), "{t}");
        }
        for (_, s) in SPELLINGS {
            assert!(m.iter().any(|x| x.statuses == s), "{s}");
        }
        assert!(m.iter().any(|s| !s.indexed) && m.iter().any(|s| s.indexed));
        assert!(m.iter().any(|s| s.foreign_key));
        assert_eq!(m[0], Shape::default(), "the sample's shape comes first");
    }

    #[test]
    fn a_shape_spec_parses_and_names_the_shape_columns() {
        for shape in Shape::matrix() {
            let spec = crate::spec::AuditSpec::parse(&shape.spec(), std::path::Path::new("t.toml"))
                .unwrap_or_else(|e| panic!("{shape}: {e}"));
            assert_eq!(spec.results.key, shape.results_key(), "{shape}");
            let names: Vec<&str> = shape.results().columns.iter().map(|c| c.name).collect();
            for c in &spec.results.key {
                assert!(names.contains(&c.as_str()), "{shape}: {c}");
            }
        }
    }

    #[test]
    fn keys_are_rendered_the_way_databases_print_them() {
        let s = Shape {
            key: KeyType::Uuid,
            ..Shape::default()
        };
        let k = s.key_text("summarize", "req-0000042-ab12");
        assert_eq!(k[0].len(), 36);
        assert_eq!(&k[0][14..15], "4", "version 4: {}", k[0]);
        assert_eq!(key_number("req-0000042-ab12"), 42);
        let b = Shape {
            key: KeyType::Binary,
            ..Shape::default()
        };
        assert_eq!(
            b.key_text("summarize", "req-0000042-ab12")[0],
            k[0].replace('-', "")
        );
    }

    #[test]
    fn zoned_and_local_texts_name_the_same_instant() {
        let t = Utc.with_ymd_and_hms(2026, 10, 14, 14, 2, 10).unwrap();
        assert_eq!(
            TimeForm::Zoned.text(t).unwrap(),
            "2026-10-14T16:02:10.000+02:00"
        );
        // New York is four hours behind UTC in October.
        assert_eq!(TimeForm::Local.text(t).unwrap(), "2026-10-14 10:02:10.000");
        assert_eq!(
            TimeForm::EpochMillis.value(t),
            Value::Int(1_791_986_530_000)
        );
    }
}
