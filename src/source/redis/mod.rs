//! An idempotency log kept in Redis or Valkey.
//!
//! In: a `redis://` or `rediss://` URL (AUTH from the URL's user and password, TLS
//! with `rediss://`, trusting the system's store or a CA given with `--log-ca`) and
//! the spec's `[log.redis]`. Out, one call at a time so that the caller holds only a
//! batch: the key names of one `SCAN` page, the records of given key names as a
//! [`LogRead`] (each as a [`LogEntry`] with what the audit needs beyond it: its Redis
//! key, expiries, validation hash; the records that cannot be read; counts).
//!
//! Only reading commands are sent: `SCAN ... MATCH ... COUNT` (never `KEYS`), then,
//! pipelined per batch of keys, `PTTL` and `GET` or `HGETALL` (and `TYPE` of a key
//! that answers WRONGTYPE). A key that expires, is deleted or changes type between
//! those reads is counted, not an error; a record that cannot be read is reported
//! with its key and the scan goes on.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::Value;
use serde_json::value::RawValue;

use crate::error::Error;
use crate::findings::{MalformedRecord, RedisStats};
use crate::model::{Clock, Key, LogEntry, Record};
use crate::source::{redact_secrets, redact_url};
use crate::spec::{AuditSpec, RedisLayout, RedisLogSpec, Status};
use crate::vocab::KeyPattern;

mod joined;

pub use joined::{RedisSource, ResultsSide};

/// Most malformed records listed by key; the class counts them all.
pub const MALFORMED_LISTED: usize = 50;

/// Everything one pass over the keyspace produced.
#[derive(Debug, Default)]
pub struct LogRead {
    /// Each record as a log entry, with what Redis adds in [`LogEntry::record`];
    /// a record of status EXPIRED is one too ([`Record::expired`]).
    pub entries: Vec<LogEntry>,
    /// Every malformed record: its key when the name fits the pattern, its Redis key,
    /// and why it cannot be read.
    pub malformed: Vec<(Option<Key>, MalformedRecord)>,
    pub stats: RedisStats,
}

/// A log kept in Redis, as the spec lays it out.
#[derive(Debug, Clone)]
pub struct RedisLog {
    url: String,
    spec: RedisLogSpec,
    pattern: KeyPattern,
    connect_timeout: Duration,
    /// PEM of the certificate authority to trust for `rediss://`, instead of the
    /// system's trust store.
    ca: Option<(PathBuf, Vec<u8>)>,
}

impl RedisLog {
    /// Checks the URL scheme and the spec; connects nothing yet.
    pub fn new(url: &str, spec: &AuditSpec, connect_timeout: Duration) -> Result<RedisLog, Error> {
        if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
            return Err(Error::Usage(format!(
                "{}: a log in Redis needs a redis:// or rediss:// URL",
                redact_url(url)
            )));
        }
        let redis = spec.log.redis.clone().ok_or_else(|| {
            Error::Usage(
                "the log is in Redis but the spec has no [log.redis] section saying how its records are laid out"
                    .into(),
            )
        })?;
        let pattern = KeyPattern::parse(&redis.key, &spec.results.key)
            .map_err(|why| Error::Usage(format!("log.redis.key: {why}")))?;
        Ok(RedisLog {
            url: url.to_string(),
            spec: redis,
            pattern,
            connect_timeout,
            ca: None,
        })
    }

    /// Trusts the certificate authority in the PEM file `ca` (a private CA) for a
    /// `rediss://` URL, rather than the system's trust store.
    pub fn trusting(mut self, ca: Option<&Path>) -> Result<RedisLog, Error> {
        let Some(ca) = ca else { return Ok(self) };
        if !self.url.starts_with("rediss://") {
            return Err(Error::Usage(format!(
                "--log-ca {}: a certificate authority is for TLS; {} is not a rediss:// URL",
                ca.display(),
                self.location()
            )));
        }
        let pem = std::fs::read(ca).map_err(|e| Error::File {
            file: ca.to_path_buf(),
            message: format!("cannot read the certificate authority: {e}"),
        })?;
        self.ca = Some((ca.to_path_buf(), pem));
        Ok(self)
    }

    /// The URL without its password.
    pub fn location(&self) -> String {
        redact_url(&self.url)
    }

    pub fn pattern(&self) -> &KeyPattern {
        &self.pattern
    }

    /// The `SCAN MATCH` pattern in use.
    pub fn match_pattern(&self) -> String {
        self.spec
            .match_pattern
            .clone()
            .unwrap_or_else(|| self.pattern.glob())
    }

    fn error(&self, doing: &str, e: impl std::fmt::Display) -> Error {
        Error::Query {
            location: self.location(),
            message: redact_secrets(&format!("{doing}: {e}"), &self.url),
        }
    }

    /// Opens one connection (AUTH and TLS as the URL says).
    pub async fn connect(&self) -> Result<MultiplexedConnection, Error> {
        let fail = |e: &dyn std::fmt::Display| Error::Connect {
            location: self.location(),
            message: redact_secrets(&e.to_string(), &self.url),
        };
        let client = match &self.ca {
            None => redis::Client::open(self.url.as_str()),
            Some((_, pem)) => redis::Client::build_with_tls(
                self.url.as_str(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem.clone()),
                },
            ),
        }
        .map_err(|e| match &self.ca {
            Some((file, _)) => fail(&format!("{e} (certificate authority {})", file.display())),
            None => fail(&e),
        })?;
        match tokio::time::timeout(
            self.connect_timeout,
            client.get_multiplexed_async_connection(),
        )
        .await
        {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(fail(&e)),
            Err(_) => Err(fail(&format!(
                "no answer within {}",
                humantime::format_duration(self.connect_timeout)
            ))),
        }
    }

    /// Keys per `SCAN` call and per pipelined round trip.
    pub fn batch(&self) -> usize {
        self.spec.batch.max(1)
    }

    /// One `SCAN` call from `cursor`: the next cursor (0 when the walk is over) and
    /// the key names it returned. A walk may return a name more than once (while
    /// Redis resizes its table).
    pub async fn scan_page(
        &self,
        conn: &mut MultiplexedConnection,
        cursor: u64,
    ) -> Result<(u64, Vec<Vec<u8>>), Error> {
        self.scan_matching(conn, cursor, &self.match_pattern())
            .await
    }

    /// The names of every record of `key` (records kept per attempt): one walk of
    /// the keyspace with the key's own `MATCH` glob.
    pub async fn names_matching(
        &self,
        conn: &mut MultiplexedConnection,
        key: &[String],
    ) -> Result<Vec<Vec<u8>>, Error> {
        let glob = self.pattern.glob_of(key);
        let mut names = std::collections::BTreeSet::new();
        let mut cursor = 0;
        loop {
            let (next, page) = self.scan_matching(conn, cursor, &glob).await?;
            // The glob may match the name of another key whose values hold the
            // pattern's literal text: only the key's own records are kept.
            names.extend(page.into_iter().filter(|n| {
                self.pattern
                    .split(&String::from_utf8_lossy(n))
                    .is_some_and(|(k, _)| k == key)
            }));
            cursor = next;
            if cursor == 0 {
                return Ok(names.into_iter().collect());
            }
        }
    }

    async fn scan_matching(
        &self,
        conn: &mut MultiplexedConnection,
        cursor: u64,
        glob: &str,
    ) -> Result<(u64, Vec<Vec<u8>>), Error> {
        redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(glob)
            .arg("COUNT")
            .arg(self.spec.batch)
            .query_async(conn)
            .await
            .map_err(|e| self.error("SCAN", e))
    }

    /// Reads the records of `names`, a batch at a time.
    pub async fn read_names(
        &self,
        conn: &mut MultiplexedConnection,
        spec: &AuditSpec,
        names: &[Vec<u8>],
    ) -> Result<LogRead, Error> {
        let mut out = LogRead::default();
        for chunk in names.chunks(self.batch()) {
            self.read_batch(conn, spec, chunk, &mut out).await?;
        }
        Ok(out)
    }

    /// Reads one batch of keys in one pipelined round trip: the `PTTL` of each, and
    /// their values, in one `MGET` (Powertools' strings) or an `HGETALL` each
    /// (hashes). A key of another type answers nil to `MGET` though it has a TTL, or
    /// WRONGTYPE to `HGETALL`; only those are asked their `TYPE`, in a second round
    /// trip, to say what they are.
    async fn read_batch(
        &self,
        conn: &mut MultiplexedConnection,
        spec: &AuditSpec,
        keys: &[Vec<u8>],
        out: &mut LogRead,
    ) -> Result<(), Error> {
        let now = Utc::now();
        let strings = self.spec.layout == RedisLayout::Powertools;
        let (read, expected) = match strings {
            true => ("MGET", "string"),
            false => ("HGETALL", "hash"),
        };
        let mut pipe = redis::pipe();
        let mut mget = redis::cmd("MGET");
        let mut names: Vec<(&[u8], String)> = Vec::with_capacity(keys.len());
        for k in keys {
            let name = String::from_utf8_lossy(k).into_owned();
            if strings && name.ends_with(":lock") {
                // Powertools' orphan-record lock, `{key}:lock`: not a record.
                out.stats.lock_keys += 1;
                continue;
            }
            pipe.cmd("PTTL").arg(k);
            if strings {
                mget.arg(k);
            } else {
                pipe.cmd(read).arg(k);
            }
            names.push((k, name));
        }
        if names.is_empty() {
            return Ok(());
        }
        let commands = match strings {
            true => {
                pipe.add_command(mget);
                names.len() + 1
            }
            false => names.len() * 2,
        };
        // The replies as they come, a command's error among them as a value.
        let mut values = conn
            .req_packed_commands(&pipe, 0, commands)
            .await
            .map_err(|e| self.error(&format!("PTTL/{read}"), e))?;
        let (ttls, read_values): (Vec<Value>, Vec<Value>) = match strings {
            true => {
                let got = values.pop().expect("one reply a command");
                let got = match got {
                    Value::Array(a) if a.len() == names.len() => a,
                    Value::ServerError(e) => {
                        let why = e.details().unwrap_or_default();
                        return Err(self.error(read, format!("{} {why}", e.code())));
                    }
                    _ => return Err(self.error(read, "not one value a key")),
                };
                (values, got)
            }
            false => {
                let mut ttls = Vec::with_capacity(names.len());
                let mut got = Vec::with_capacity(names.len());
                let mut values = values.into_iter();
                while let (Some(ttl), Some(value)) = (values.next(), values.next()) {
                    ttls.push(ttl);
                    got.push(value);
                }
                (ttls, got)
            }
        };
        let mut other_type: Vec<(&[u8], String)> = Vec::new();
        for (((k, name), ttl), value) in names.into_iter().zip(&ttls).zip(&read_values) {
            let ttl = redis::from_redis_value::<i64>(ttl).unwrap_or(-2);
            let expires_at = (ttl >= 0).then(|| now + chrono::Duration::milliseconds(ttl));
            match value {
                Value::ServerError(e) if e.code() == "WRONGTYPE" => other_type.push((k, name)),
                Value::ServerError(e) => {
                    let why = e.details().unwrap_or_default();
                    return Err(self.error(read, format!("{} {why}", e.code())));
                }
                _ if ttl == -2 => out.stats.vanished += 1,
                // A key that is there but not a string, or that came or went
                // between the two reads.
                Value::Nil if strings => other_type.push((k, name)),
                Value::Nil => out.stats.vanished += 1,
                Value::Array(a) if a.is_empty() => out.stats.vanished += 1,
                Value::Map(m) if m.is_empty() => out.stats.vanished += 1,
                value => {
                    if ttl == -1 {
                        out.stats.without_ttl += 1;
                    }
                    match self.record(spec, &name, value, expires_at) {
                        Ok(entry) => {
                            match entry.judged() {
                                true => out.stats.records += 1,
                                false => out.stats.expired_status += 1,
                            }
                            out.entries.push(entry);
                        }
                        Err(reason) => self.malformed(out, &name, reason),
                    }
                }
            }
        }
        if other_type.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for (k, _) in &other_type {
            pipe.cmd("TYPE").arg(*k);
        }
        let kinds: Vec<Value> = pipe
            .query_async(conn)
            .await
            .map_err(|e| self.error("TYPE", e))?;
        for ((_, name), kind) in other_type.into_iter().zip(kinds) {
            let kind = match &kind {
                Value::SimpleString(s) => s.clone(),
                other => redis::from_redis_value::<String>(other).unwrap_or_default(),
            };
            match kind.as_str() {
                "none" => out.stats.vanished += 1,
                // Replaced by a record of the right type since the read.
                k if k == expected => out.stats.changed += 1,
                _ => self.malformed(
                    out,
                    &name,
                    format!(
                        "a Redis {kind}, but the {:?} layout keeps a {expected}",
                        self.spec.layout
                    )
                    .to_lowercase(),
                ),
            }
        }
        Ok(())
    }

    fn malformed(&self, out: &mut LogRead, name: &str, reason: String) {
        let key = self.pattern.split(name).map(|(k, _)| k);
        let record = MalformedRecord {
            redis_key: name.to_string(),
            reason,
        };
        if out.stats.malformed.len() < MALFORMED_LISTED {
            out.stats.malformed.push(record.clone());
        }
        out.malformed.push((key, record));
    }
}

impl RedisStats {
    /// Adds the counts of `other` (the malformed records listed up to the limit).
    pub fn add(&mut self, other: RedisStats) {
        self.keys_scanned += other.keys_scanned;
        self.records += other.records;
        self.vanished += other.vanished;
        self.changed += other.changed;
        self.lock_keys += other.lock_keys;
        self.expired_status += other.expired_status;
        self.without_ttl += other.without_ttl;
        let room = MALFORMED_LISTED.saturating_sub(self.malformed.len());
        self.malformed
            .extend(other.malformed.into_iter().take(room));
    }
}

impl RedisLog {
    /// Turns one value into a record, or says why it cannot.
    fn record(
        &self,
        spec: &AuditSpec,
        name: &str,
        value: &Value,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<LogEntry, String> {
        let (key, key_attempt) = self.pattern.split(name).ok_or_else(|| {
            format!(
                "the key name does not fit log.redis.key `{}`",
                self.pattern.name(&spec.results.key, Some("attempt"))
            )
        })?;
        match self.spec.layout {
            RedisLayout::Powertools => {
                let bytes: Vec<u8> =
                    redis::from_redis_value(value).map_err(|e| format!("unreadable value: {e}"))?;
                self.powertools(spec, name, key, key_attempt, &bytes, expires_at)
            }
            RedisLayout::Hash => {
                let fields: std::collections::HashMap<String, String> =
                    redis::from_redis_value(value).map_err(|e| format!("unreadable hash: {e}"))?;
                self.hash(spec, name, key, key_attempt, &fields, expires_at)
            }
        }
    }

    fn powertools(
        &self,
        spec: &AuditSpec,
        name: &str,
        key: Key,
        attempt: Option<String>,
        bytes: &[u8],
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<LogEntry, String> {
        let a = &self.spec.attributes;
        // Each attribute's JSON as written: only those read are parsed, never the
        // stored response (`data`), which may be large.
        let obj: HashMap<String, &RawValue> = match serde_json::from_slice(bytes) {
            Ok(obj) => obj,
            Err(e) => {
                return Err(
                    match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                        Ok(_) => "not a JSON object".to_string(),
                        Err(_) => format!("not JSON ({e})"),
                    },
                )
            }
        };
        let text = |attr: &str| {
            obj.get(attr)
                .map(|v| serde_json::from_str::<String>(v.get()))
        };
        let raw_status = match text(&a.status) {
            Some(Ok(s)) => s,
            Some(Err(_)) => {
                return Err(format!(
                    "`{}` is not a string: {}",
                    a.status,
                    obj[&a.status].get()
                ))
            }
            None => return Err(format!("no `{}` attribute", a.status)),
        };
        let status = match spec.log.statuses.classify(&raw_status) {
            Status::Unknown => match raw_status.as_str() {
                "INPROGRESS" => Status::Processing,
                "COMPLETED" => Status::Completed,
                // Powertools treats an EXPIRED record as absent: it judges no
                // attempt, it only tells that the key's record expired.
                "EXPIRED" => {
                    return Ok(LogEntry {
                        key: Some(key),
                        attempt,
                        status: Status::Unknown,
                        raw_status,
                        created_at: None,
                        updated_at: None,
                        record: Some(Box::new(Record {
                            redis_key: name.to_string(),
                            in_progress_expiry: None,
                            expires_at,
                            validation: None,
                            expired: true,
                        })),
                    })
                }
                _ => return Err(format!("unknown status `{raw_status}`")),
            },
            s => s,
        };
        let number = |attr: &str| -> Result<Option<i64>, String> {
            let Some(v) = obj.get(attr) else {
                return Ok(None);
            };
            match serde_json::from_str::<Option<serde_json::Number>>(v.get()) {
                Ok(None) => Ok(None),
                Ok(Some(n)) => n
                    .as_i64()
                    .or_else(|| n.as_f64().map(|f| f as i64))
                    .map(Some)
                    .ok_or_else(|| format!("`{attr}` is not a number: {}", v.get())),
                Err(_) => Err(format!("`{attr}` is not a number: {}", v.get())),
            }
        };
        number(&a.expiration)?;
        let in_progress_expiry =
            number(&a.in_progress_expiration)?.and_then(DateTime::<Utc>::from_timestamp_millis);
        let validation = match text(&a.validation) {
            Some(Ok(s)) if !s.is_empty() => Some(s),
            _ => None,
        };
        Ok(LogEntry {
            key: Some(key),
            attempt,
            status,
            raw_status,
            created_at: None,
            updated_at: None,
            record: Some(Box::new(Record {
                redis_key: name.to_string(),
                in_progress_expiry,
                expires_at,
                validation,
                expired: false,
            })),
        })
    }

    fn hash(
        &self,
        spec: &AuditSpec,
        name: &str,
        key: Key,
        key_attempt: Option<String>,
        fields: &std::collections::HashMap<String, String>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<LogEntry, String> {
        let l = &spec.log;
        let raw_status = fields
            .get(&l.status)
            .cloned()
            .ok_or_else(|| format!("no `{}` field", l.status))?;
        let status = spec.log.statuses.classify(&raw_status);
        if status == Status::Unknown {
            return Err(format!(
                "unknown status `{raw_status}` in field `{}`",
                l.status
            ));
        }
        let time = |field: Option<&String>| -> Result<Option<DateTime<Utc>>, String> {
            let Some(field) = field else { return Ok(None) };
            match fields.get(field) {
                None => Ok(None),
                Some(v) => Clock::of(l.time_zone.as_deref(), l.epoch_unit)
                    .parse(v)
                    .map(Some)
                    .ok_or_else(|| format!("field `{field}`: cannot read `{v}` as a timestamp")),
            }
        };
        let attempt = key_attempt.or_else(|| {
            l.attempt
                .as_ref()
                .and_then(|field| fields.get(field).cloned())
        });
        Ok(LogEntry {
            key: Some(key),
            attempt,
            status,
            raw_status,
            created_at: time(Some(&l.created_at))?,
            updated_at: time(l.updated_at.as_ref())?,
            record: Some(Box::new(Record {
                redis_key: name.to_string(),
                in_progress_expiry: None,
                expires_at,
                validation: None,
                expired: false,
            })),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn key_pattern_splits_what_it_names() {
        let p = KeyPattern::parse(
            "idem:{operation_name}#{idempotency_key}#{attempt}",
            &cols(&["operation_name", "idempotency_key"]),
        )
        .unwrap();
        assert_eq!(
            p.split("idem:summarize#req-1#a-2"),
            Some((cols(&["summarize", "req-1"]), Some("a-2".to_string())))
        );
        assert_eq!(p.split("idem:summarize#req-1"), None);
        assert_eq!(p.split("other:summarize#req-1#a"), None);
        assert_eq!(p.name(&cols(&["s", "k"]), Some("a")), "idem:s#k#a");
        assert_eq!(p.glob(), "idem:*#*#*");
        assert!(p.has_attempt());
    }

    #[test]
    fn the_glob_of_a_key_matches_its_records_and_escapes_its_values() {
        let p = KeyPattern::parse("idem:{op}#{id}#{attempt}", &cols(&["op", "id"])).unwrap();
        let key = cols(&["sum*", "a[1]"]);
        assert_eq!(p.glob_of(&key), r"idem:sum\*#a\[1\]#*");
        assert_eq!(p.glob(), "idem:*#*#*");
    }

    #[test]
    fn key_pattern_columns_may_come_in_any_order() {
        let p = KeyPattern::parse("{b}/x/{a}", &cols(&["a", "b"])).unwrap();
        assert_eq!(p.split("B/x/A"), Some((cols(&["A", "B"]), None)));
    }

    #[test]
    fn glob_escapes_literal_wildcards() {
        let p = KeyPattern::parse("f[1]*#{k}", &cols(&["k"])).unwrap();
        assert_eq!(p.glob(), "f\\[1\\]\\*#*");
    }

    #[test]
    fn key_pattern_refuses_what_it_cannot_split() {
        let k = cols(&["k", "op"]);
        assert!(KeyPattern::parse("{k}{op}", &k)
            .unwrap_err()
            .contains("literal"));
        assert!(KeyPattern::parse("x:{k}", &k).unwrap_err().contains("{op}"));
        assert!(KeyPattern::parse("x:{k}:{nope}:{op}", &k)
            .unwrap_err()
            .contains("nope"));
        assert!(KeyPattern::parse("x:{k}:{k}:{op}", &k)
            .unwrap_err()
            .contains("twice"));
        assert!(KeyPattern::parse("", &k).is_err());
    }
}
