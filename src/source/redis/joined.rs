//! A results side (a database table or a results file) with its idempotency log
//! kept in Redis: the source of a scan, `explain` and `plan` like any other. The log
//! side yields ordinary log entries, each carrying what Redis adds
//! ([`crate::model::Record`]); the classes that read those (expired-record,
//! validation-mismatch, malformed-record, the in-progress expiry of
//! stale-processing) are checks of the one classifier.
//!
//! The two sides cannot be joined in one engine, so this source finds the keys
//! that can carry a finding by walking the keyspace once, judging each batch of
//! records with the result rows of its keys, then hands the classifier every
//! result row and record of those keys, part by part in key order. Records are held
//! a batch at a time, and only those of the keys found are kept; beside them the
//! walk notes each record name it meets compactly (24 bytes and the attempt's text
//! a name), so that nothing needs Redis twice. Memory grows with the findings and,
//! at that rate, with the keyspace.
//!
//! Without a time window:
//! 0. When the results are a database's and no record's `validation` is compared,
//!    read every keyed row's key, attempt and time in one pass over the table and
//!    hold them compactly ([`JudgedRows`]: about 90 bytes a row), since the walk
//!    judges every key the table has; otherwise each batch's rows are looked up in
//!    the database by key (a results file is in memory already).
//! 1. Walk the keyspace in `SCAN` batches. For each batch, read its records and, at
//!    the same time, the result rows of its keys (and, when records are kept per
//!    attempt, the records of those rows' attempts that the batch does not hold),
//!    and run the classifier over them: a key with a finding is kept, with its
//!    records; every malformed record is kept.
//! 2. When records are kept per attempt, a key's records may lie in other batches:
//!    read those of the kept keys by the names the walk noted.
//! 3. The result keys the walk met no record of were never classified in step 1:
//!    run the classifier over their rows alone. They are the held rows' keys the
//!    walk's names lack, or the results' distinct keys, streamed, when rows are not
//!    held.
//! 4. Cross-key, when checked: the results side finds the rows whose payload
//!    appears under several keys; their keys are kept and their records read.
//!
//! With a window, the keys are those the window touches: the keys of the rows
//! written in it (from the results side) and of the records created or updated in
//! it (from the walk, which keeps the records of those keys; and, when records are
//! kept per attempt, reads the others of those keys by name). Memory then grows with
//! the keys of the window.
//!
//! Then every result row of the keys found, with their records, goes to the
//! classifier part by part in key order, after the NULL-key rows.
//!
//! Steps 1 and 3 judge a key at the latest time any scan could judge it, so a key
//! kept is kept for every `--as-of`: what is stale or expired at some moment stays
//! so later.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::stream::{BoxStream, StreamExt};
use futures_util::TryStreamExt;
use redis::aio::MultiplexedConnection;

use super::RedisLog;
use crate::canonical::{Canonicalizer, PayloadHash};
use crate::error::Error;
use crate::findings::{MalformedRecord, RedisStats, NON_JSON_LISTED};
use crate::model::{Counts, Dataset, Key, LogEntry, ResultRow, SourceInfo};
use crate::progress::Progress;
use crate::source::{DatabaseSource, FileFormat, KeyLookup, OnPart};
use crate::spec::{AuditSpec, RedisLayout};
use crate::vocab::Class;

/// Where the result rows of a source whose log is in Redis come from.
#[derive(Debug, Clone)]
pub enum ResultsSide {
    Database(DatabaseSource),
    File(PathBuf),
}

/// A results side and a log kept in Redis.
#[derive(Debug, Clone)]
pub struct RedisSource {
    pub results: ResultsSide,
    pub log: RedisLog,
}

impl RedisSource {
    /// How reports name the two sides together. Never contains a password.
    pub fn info(&self, spec: &AuditSpec) -> SourceInfo {
        let (kind, location, results) = match &self.results {
            ResultsSide::Database(db) => (
                format!("{:?}", db.dialect()).to_lowercase(),
                db.location(),
                spec.results.table_name().to_string(),
            ),
            ResultsSide::File(path) => (
                FileFormat::of(path)
                    .map(|f| f.name().to_string())
                    .unwrap_or_else(|_| "file".into()),
                path.display().to_string(),
                path.display().to_string(),
            ),
        };
        SourceInfo {
            kind: format!("{kind}+redis"),
            location,
            results,
            log: format!("{} MATCH {}", self.log.location(), self.log.match_pattern()),
        }
    }

    /// The spec as this source reads it: rows are matched to records by attempt
    /// only when the records carry one, and a scan that names no classes checks
    /// the classes only a log in Redis can show beside the others.
    pub fn resolve_spec(&self, spec: &AuditSpec) -> AuditSpec {
        let layout = spec.log.redis.as_ref().map(|r| r.layout);
        let attempts = self.log.pattern().has_attempt()
            || (layout == Some(RedisLayout::Hash) && spec.log.attempt.is_some());
        let spec = match attempts {
            true => spec.clone(),
            false => spec.without_attempts(),
        };
        match spec.scan.classes.is_empty() {
            true => {
                let mut checks = spec.scan.checks();
                checks.extend(Class::REDIS_ONLY);
                spec.with_checks(checks.into_iter().collect(), spec.scan.cross_key)
            }
            false => spec,
        }
    }

    /// Reads the keys that can carry a finding (see the module), handing their rows
    /// and records to `on_part` part by part; gives back what the source counted.
    pub async fn load_parts(
        &self,
        spec: &AuditSpec,
        progress: &Progress,
        on_part: &mut OnPart<'_>,
    ) -> Result<Dataset, Error> {
        let mut lookup = Lookup::open(&self.results, spec, progress).await?;
        let read = async {
            let mut conn = self.log.connect().await?;
            let mut walk = Walk {
                log: &self.log,
                spec,
                conn: &mut conn,
                lookup: &mut lookup,
                progress,
                kept: Walked::default(),
                seen: Seen::default(),
                judged: None,
                stats: RedisStats::default(),
                serial: rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .build()
                    .map_err(|e| Error::Runtime(format!("cannot start a thread: {e}")))?,
            };
            walk.run(on_part).await
        }
        .await;
        lookup.close().await;
        read
    }

    /// What a scan reads, in one dataset: the keys that can carry a finding.
    pub async fn load(&self, spec: &AuditSpec, progress: &Progress) -> Result<Dataset, Error> {
        let mut results = Vec::new();
        let mut log = Vec::new();
        let mut on_part = |part: Dataset, _: Vec<usize>| {
            results.extend(part.results);
            log.extend(part.log);
            Ok(())
        };
        let mut shape = self.load_parts(spec, progress, &mut on_part).await?;
        shape.results = results;
        shape.log = log;
        Ok(shape)
    }

    /// Every result row and record of `keys`, for `explain` and the keys an
    /// incremental run carries over.
    pub async fn load_keys(&self, spec: &AuditSpec, keys: &[Key]) -> Result<Dataset, Error> {
        let per_attempt = self.log.pattern().has_attempt();
        let progress = Progress::new(true);
        let mut lookup = Lookup::open(&self.results, spec, &progress).await?;
        let read = async {
            let mut rows = Vec::new();
            for chunk in keys.chunks(self.log.batch()) {
                rows.extend(lookup.rows_of(chunk).await?);
            }
            let mut conn = self.log.connect().await?;
            let mut names: Vec<Vec<u8>> = Vec::with_capacity(keys.len());
            for key in keys {
                match per_attempt {
                    false => names.push(self.log.pattern().name(key, None).into_bytes()),
                    true => names.extend(self.log.names_matching(&mut conn, key).await?),
                }
            }
            let read = self.log.read_names(&mut conn, spec, &names).await?;
            Ok(Dataset::complete(
                spec,
                lookup.payload_columns().to_vec(),
                rows,
                read.entries,
            ))
        }
        .await;
        lookup.close().await;
        read
    }
}

/// A moment later than any scan judges: a key with a finding at some `--as-of` has
/// one at this moment too.
fn latest() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::days(365 * 1000)
}

/// What the walk keeps: the keys found and the records of those keys, by Redis key.
#[derive(Default)]
struct Walked {
    keys: HashSet<Key>,
    records: HashMap<String, LogEntry>,
    malformed: BTreeMap<String, (Option<Key>, MalformedRecord)>,
}

impl Walked {
    /// Keeps the records among `entries` whose key is kept.
    fn keep(&mut self, entries: Vec<LogEntry>) {
        for e in entries {
            let (Some(key), Some(record)) = (&e.key, &e.record) else {
                continue;
            };
            if self.keys.contains(key) {
                let name = record.redis_key.clone();
                self.records.entry(name).or_insert(e);
            }
        }
    }

    fn malformed(&mut self, malformed: Vec<(Option<Key>, MalformedRecord)>) {
        for (key, m) in malformed {
            self.malformed
                .entry(m.redis_key.clone())
                .or_insert((key, m));
        }
    }
}

impl Walked {
    /// Keeps the keys among `rows` and `entries` the classifier finds something in.
    /// The classifier runs on `serial`, one thread: a batch is small, and the
    /// threads of a parallel run would wait for work spinning, on the processors the
    /// database and Redis answer on.
    fn classify(
        &mut self,
        serial: &rayon::ThreadPool,
        spec: &AuditSpec,
        payload_columns: &[String],
        rows: Vec<ResultRow>,
        entries: &[LogEntry],
    ) {
        let data = Dataset::complete(spec, payload_columns.to_vec(), rows, entries.to_vec());
        let found = serial.install(|| crate::scan::keys_with_findings(&data, spec, latest()));
        self.keys.extend(found);
    }
}

/// The keys among `rows` and `entries` the classifier finds something in, found on
/// `serial` while the task that awaits them goes on reading the next batch; and the
/// entries, given back.
async fn keys_found_apart(
    serial: &rayon::ThreadPool,
    spec: Arc<AuditSpec>,
    payload_columns: Arc<Vec<String>>,
    rows: Vec<ResultRow>,
    entries: Vec<LogEntry>,
) -> Result<(Vec<Key>, Vec<LogEntry>), Error> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    serial.spawn(move || {
        let data = Dataset::complete(&spec, payload_columns.to_vec(), rows, entries);
        let found = crate::scan::keys_with_findings(&data, &spec, latest());
        let _ = tx.send((found, data.log));
    });
    rx.await
        .map_err(|_| Error::Runtime("the classifier of a batch of the log panicked".into()))
}

/// The keyspace's names, `SCAN` page after page, handed on in parts of a given size
/// whatever the pages' sizes.
#[derive(Default)]
struct Pages {
    /// The next page's cursor; `None` once the walk is over.
    cursor: Option<u64>,
    started: bool,
    names: std::collections::VecDeque<Vec<u8>>,
}

impl Pages {
    /// Reads pages until `size` names are in hand or the walk is over.
    async fn fill(
        &mut self,
        log: &RedisLog,
        conn: &mut MultiplexedConnection,
        size: usize,
        progress: &Progress,
    ) -> Result<(), Error> {
        if !self.started {
            self.started = true;
            self.cursor = Some(0);
        }
        while self.names.len() < size {
            let Some(cursor) = self.cursor else {
                break;
            };
            let (next, names) = log.scan_page(conn, cursor).await?;
            progress.rows(names.len() as u64);
            self.cursor = (next != 0).then_some(next);
            self.names.extend(names);
        }
        Ok(())
    }

    /// The next `size` names in hand (fewer at the end of the walk), or `None` when
    /// none are.
    fn take(&mut self, size: usize) -> Option<Vec<Vec<u8>>> {
        let take = size.min(self.names.len());
        (take > 0).then(|| self.names.drain(..take).collect())
    }
}

/// A batch's names, their records and the result rows of their keys.
struct Fetched {
    names: Vec<Vec<u8>>,
    read: super::LogRead,
    rows: Vec<ResultRow>,
}

/// How many ranges a [`Noted`] table indexes its keys by (a power of two).
const BUCKETS: usize = 1 << 16;

/// Result rows handed at a time to the thread that notes them ([`JudgedRows`]).
const NOTED_PER_BATCH: usize = 4096;

/// Result keys looked up among the names the walk met at a time, in digest order.
const UNMET_PER_LOOKUP: usize = 1 << 16;

/// Keys noted compactly, each as the first 128 bits of its digest with an attempt
/// and a value of its own (24 bytes, the value and the attempt's text an entry);
/// sorted once every key is noted, then looked up by key.
struct Noted<T> {
    entries: Vec<Entry<T>>,
    attempts: String,
    sorted: bool,
    /// Where the entries of each value of a digest's top 16 bits start (one more
    /// than there are values): a lookup reads a few neighbouring entries instead of
    /// halving a table larger than the processor's caches.
    starts: Vec<u32>,
}

/// One entry of a [`Noted`] table: the key's digest, where its attempt's text lies
/// (`u32::MAX` as the length: no attempt) and its value.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry<T> {
    digest: [u64; 2],
    attempt: (u32, u32),
    value: T,
}

impl<T> Default for Noted<T> {
    fn default() -> Self {
        Noted {
            entries: Vec::new(),
            attempts: String::new(),
            sorted: false,
            starts: Vec::new(),
        }
    }
}

impl<T: Ord + Copy> Noted<T> {
    fn digest(key: &[String]) -> [u64; 2] {
        let digest = crate::vocab::key_digest(key.iter().map(String::as_str));
        let half = |at: usize| u64::from_le_bytes(digest[at..at + 8].try_into().expect("8 bytes"));
        [half(0), half(8)]
    }

    fn add(&mut self, key: &[String], attempt: Option<&str>, value: T) {
        self.add_digest(Self::digest(key), attempt, value);
    }

    /// [`Noted::add`] of a key whose digest is `digest`.
    fn add_digest(&mut self, digest: [u64; 2], attempt: Option<&str>, value: T) {
        let attempt = match attempt {
            Some(a) => {
                let start = self.attempts.len() as u32;
                self.attempts.push_str(a);
                (start, a.len() as u32)
            }
            None => (0, u32::MAX),
        };
        self.entries.push(Entry {
            digest,
            attempt,
            value,
        });
        self.sorted = false;
    }

    /// Sorts the entries by key, once every key is noted.
    fn finish(&mut self) {
        if self.sorted {
            return;
        }
        self.entries.sort_unstable();
        self.entries.dedup();
        self.entries.shrink_to_fit();
        self.starts = Vec::with_capacity(BUCKETS + 1);
        let mut at = 0;
        for bucket in 0..=BUCKETS {
            while at < self.entries.len() && Self::bucket(&self.entries[at].digest) < bucket {
                at += 1;
            }
            self.starts.push(at as u32);
        }
        self.sorted = true;
    }

    fn bucket(digest: &[u64; 2]) -> usize {
        (digest[0] >> (64 - BUCKETS.trailing_zeros())) as usize
    }

    fn of(&self, key: &[String]) -> &[Entry<T>] {
        self.of_digest(Self::digest(key))
    }

    fn of_digest(&self, d: [u64; 2]) -> &[Entry<T>] {
        debug_assert!(self.sorted, "looked up before every key was noted");
        let b = Self::bucket(&d);
        let bucket = &self.entries[self.starts[b] as usize..self.starts[b + 1] as usize];
        let from = bucket.partition_point(|e| e.digest < d);
        let to = from + bucket[from..].partition_point(|e| e.digest == d);
        &bucket[from..to]
    }

    /// The attempt of `entry`.
    fn attempt(&self, entry: &Entry<T>) -> Option<&str> {
        let (start, len) = entry.attempt;
        (len != u32::MAX).then(|| &self.attempts[start as usize..(start + len) as usize])
    }

    /// The keys among `keys` noted nowhere. They are looked up in the order of
    /// their digests, so that the lookups move through the entries in order rather
    /// than jump across memory.
    fn unmet(&self, mut keys: Vec<([u64; 2], Key)>) -> impl Iterator<Item = Key> + '_ {
        keys.sort_unstable_by_key(|k| k.0);
        keys.into_iter()
            .filter(|(d, _)| self.of_digest(*d).is_empty())
            .map(|(_, k)| k)
    }
}

/// What the walk met of the keyspace: each record name's key and, when records are
/// kept per attempt, its attempt. Step 3 asks it which keys have a record and step
/// 2 which records a kept key has, instead of asking Redis again.
type Seen = Noted<()>;

impl Seen {
    /// The attempts of the records of `key` the walk met.
    fn attempts_of<'s>(&'s self, key: &[String]) -> impl Iterator<Item = &'s str> + 's {
        self.of(key).iter().filter_map(|e| self.attempt(e))
    }
}

/// Every keyed result row as a key is judged by it (its key, attempt and time; no
/// primary key, no payload), read in one pass over the table before the walk, so
/// that a batch of the keyspace is judged without a query of its own (looking the
/// rows of the walk's keys up in the database, a batch at a time, probes the key's
/// index once a key, in the order Redis happens to keep them), and the keys without
/// any record are found without reading the table's keys again.
#[derive(Default)]
struct JudgedRows {
    /// Each row's time and the index of its key in `parts`.
    noted: Noted<(Option<DateTime<Utc>>, u32)>,
    /// The text of every row's key columns, one after the other.
    text: String,
    /// Where each key column's text ends in `text`: a key's columns are `arity`
    /// entries in a row.
    parts: Vec<u32>,
    arity: usize,
}

impl JudgedRows {
    fn new(arity: usize) -> JudgedRows {
        JudgedRows {
            arity: arity.max(1),
            ..JudgedRows::default()
        }
    }

    fn add(&mut self, key: &[String], attempt: Option<&str>, written_at: Option<DateTime<Utc>>) {
        let index = (self.parts.len() / self.arity) as u32;
        for part in key {
            self.text.push_str(part);
            self.parts.push(self.text.len() as u32);
        }
        self.noted.add(key, attempt, (written_at, index));
    }

    fn finish(&mut self) {
        self.noted.finish();
        self.text.shrink_to_fit();
        self.parts.shrink_to_fit();
    }

    /// The key of row index `index`.
    fn key(&self, index: u32) -> Key {
        let first = index as usize * self.arity;
        (first..first + self.arity)
            .map(|i| {
                let start = match i {
                    0 => 0,
                    _ => self.parts[i - 1] as usize,
                };
                self.text[start..self.parts[i] as usize].to_string()
            })
            .collect()
    }

    fn row(&self, key: Key, e: &Entry<(Option<DateTime<Utc>>, u32)>) -> ResultRow {
        ResultRow {
            pk: Vec::new(),
            key: Some(key),
            attempt: self.noted.attempt(e).map(str::to_string),
            written_at: e.value.0,
            payload: Vec::new(),
        }
    }

    /// The rows of `keys`, each beside its digest.
    fn rows_of(&self, keys: &[([u64; 2], Key)]) -> Vec<ResultRow> {
        keys.iter()
            .flat_map(|(digest, key)| {
                let entries = self.noted.of_digest(*digest).iter();
                entries.map(move |e| self.row(key.clone(), e))
            })
            .collect()
    }

    /// The rows of the keys `seen` has no entry of, but those for which `skip` is
    /// true, in key order.
    fn unmet<T: Ord + Copy>(&self, seen: &Noted<T>, skip: impl Fn(&Key) -> bool) -> Vec<ResultRow> {
        let mut rows = Vec::new();
        let entries = &self.noted.entries;
        let mut at = 0;
        while at < entries.len() {
            let digest = entries[at].digest;
            let to = at + entries[at..].partition_point(|e| e.digest == digest);
            if seen.of_digest(digest).is_empty() {
                let key = self.key(entries[at].value.1);
                if !skip(&key) {
                    rows.extend(entries[at..to].iter().map(|e| self.row(key.clone(), e)));
                }
            }
            at = to;
        }
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        rows
    }
}

/// One walk of a source: the connections and what it has kept so far.
struct Walk<'a> {
    log: &'a RedisLog,
    spec: &'a AuditSpec,
    conn: &'a mut MultiplexedConnection,
    lookup: &'a mut Lookup,
    progress: &'a Progress,
    kept: Walked,
    seen: Seen,
    /// The result rows as the walk judges them, when they are held
    /// ([`Lookup::judged_rows`]).
    judged: Option<JudgedRows>,
    stats: RedisStats,
    /// Where the batches are classified ([`Walked::classify`]).
    serial: rayon::ThreadPool,
}

impl Walk<'_> {
    async fn run(&mut self, on_part: &mut OnPart<'_>) -> Result<Dataset, Error> {
        let payload_columns = self.lookup.payload_columns().to_vec();
        let checks = self.spec.scan.checks();
        let (counts, non_json) = match self.spec.scan.window {
            None => {
                self.classified().await?;
                self.kept_records().await?;
                if checks.contains(&Class::OrphanResult)
                    || checks.contains(&Class::ExpiredRecord)
                    || checks.contains(&Class::Exact)
                    || checks.contains(&Class::Conflict)
                {
                    self.unrecorded().await?;
                }
                let non_json = self.cross_key(&payload_columns, &checks).await?;
                let [result_rows, null_key_rows, keys] = self.lookup.totals().await?;
                (
                    (result_rows, null_key_rows, keys, self.stats.records),
                    non_json,
                )
            }
            Some(w) => {
                let (keys, log_rows) = self.touched(w).await?;
                let non_json = self.cross_key(&payload_columns, &checks).await?;
                let [result_rows, null_key_rows] = self.lookup.window_totals().await?;
                ((result_rows, null_key_rows, keys, log_rows), non_json)
            }
        };

        self.progress
            .phase("reading the rows and records of the keys found");
        let mut position = 0;
        let mut hand = |part: Dataset| -> Result<(), Error> {
            let origin: Vec<usize> = (position..position + part.results.len()).collect();
            position += part.results.len();
            on_part(part, origin)
        };
        if checks.contains(&Class::NullKey) {
            let rows = self.lookup.null_key_rows().await?;
            hand(Dataset::complete(
                self.spec,
                payload_columns.clone(),
                rows,
                Vec::new(),
            ))?;
        }
        let mut keys: Vec<Key> = self.kept.keys.iter().cloned().collect();
        keys.sort();
        let mut records: BTreeMap<Key, Vec<LogEntry>> = BTreeMap::new();
        for e in std::mem::take(&mut self.kept.records).into_values() {
            let key = e.key.clone().expect("a kept record has a key");
            records.entry(key).or_default().push(e);
        }
        // Cross-key compares the payloads of different keys: its keys go to the
        // classifier in one part.
        let whole = checks.contains(&Class::CrossKey);
        let (mut rows, mut log) = (Vec::new(), Vec::new());
        for chunk in keys.chunks(self.log.batch()) {
            let found = self.lookup.rows_of(chunk).await?;
            self.progress.rows(found.len() as u64);
            rows.extend(found);
            for key in chunk {
                let mut of_key = records.remove(key).unwrap_or_default();
                of_key.sort_by(|a, b| {
                    let name = |e: &LogEntry| e.record.as_ref().map(|r| r.redis_key.clone());
                    name(a).cmp(&name(b))
                });
                log.extend(of_key);
            }
            if !whole {
                let part = (std::mem::take(&mut rows), std::mem::take(&mut log));
                hand(Dataset::complete(
                    self.spec,
                    payload_columns.clone(),
                    part.0,
                    part.1,
                ))?;
            }
        }
        if whole {
            hand(Dataset::complete(
                self.spec,
                payload_columns.clone(),
                rows,
                log,
            ))?;
        }

        let (result_rows, null_key_rows, keys, log_rows) = counts;
        let mut shape = Dataset::complete(self.spec, payload_columns, Vec::new(), Vec::new());
        shape.counts = Some(Counts {
            result_rows,
            log_rows: Some(log_rows),
            keys,
            null_key_rows,
            // A record of a status the spec does not map is malformed, never read
            // into the log.
            unknown_statuses: Some(Vec::new()),
            non_json_payloads: non_json,
            malformed: std::mem::take(&mut self.kept.malformed)
                .into_values()
                .collect(),
            redis: Some(std::mem::take(&mut self.stats)),
        });
        Ok(shape)
    }

    /// The spec a batch is judged with: cross-key and NULL keys are found over the
    /// whole table, not in a batch.
    fn batch_spec(&self) -> AuditSpec {
        let checks = self.spec.scan.checks().into_iter();
        let batch = checks.filter(|c| !matches!(c, Class::CrossKey | Class::NullKey));
        self.spec.with_checks(batch.collect(), false)
    }

    /// Keeps the keys among `rows` (read by [`Lookup::judged_rows_of`]) and `entries`
    /// the classifier finds something in.
    fn classify(&mut self, spec: &AuditSpec, rows: Vec<ResultRow>, entries: &[LogEntry]) {
        let payload_columns = self.lookup.judged_payload_columns().to_vec();
        self.kept
            .classify(&self.serial, spec, &payload_columns, rows, entries);
    }

    /// Step 1: every batch of the keyspace, classified with the rows of its keys.
    /// Three batches are in hand at a time: while one is classified (and, with
    /// records kept per attempt, its rows' other records read), the records and rows
    /// of the next are on their way, and the names of the one after are scanned.
    async fn classified(&mut self) -> Result<(), Error> {
        let batch_spec = Arc::new(self.batch_spec());
        let pattern = self.log.pattern().clone();
        let per_attempt = pattern.has_attempt();
        let payload_columns = Arc::new(self.lookup.judged_payload_columns().to_vec());
        let (log, spec, progress) = (self.log, self.spec, self.progress);
        // The names are scanned, and the other records of a batch's rows read, each
        // on a connection of its own: on one, a reply waits for every reply to the
        // pipelines sent before it.
        let (reading, mut classifying) = (self.conn.clone(), self.log.connect().await?);
        let owned = Arc::new(self.spec.clone());
        self.judged = self.lookup.judged_rows(spec, progress).await?;
        let judged = &self.judged;
        self.progress
            .phase("reading the log from Redis, a batch at a time");
        let lookup = &mut *self.lookup;
        let (kept, seen, stats) = (&mut self.kept, &mut self.seen, &mut self.stats);
        let serial = &self.serial;
        let mut scanning = self.log.connect().await?;
        let mut pages = Pages::default();
        pages
            .fill(log, &mut scanning, log.batch(), progress)
            .await?;
        let mut fetched: Option<Fetched> = None;
        loop {
            let names = pages.take(log.batch());
            if names.is_none() && fetched.is_none() {
                return Ok(());
            }
            // Every key the batch names, whatever becomes of its record: the rows of
            // a key whose record vanished or is malformed are judged too.
            // In the order of their digests, which is the order of the held rows.
            let mut keys: Vec<([u64; 2], Key)> = Vec::new();
            for n in names.iter().flatten() {
                stats.keys_scanned += 1;
                if let Some((k, attempt)) = pattern.split(&String::from_utf8_lossy(n)) {
                    let digest = Seen::digest(&k);
                    seen.add_digest(digest, attempt.as_deref(), ());
                    keys.push((digest, k));
                }
            }
            keys.sort_unstable_by_key(|k| k.0);
            keys.dedup_by_key(|k| k.0);
            let fetch = async {
                let Some(names) = names else {
                    return Ok(None);
                };
                // The records are read and parsed on a worker of the runtime, beside
                // the rows, which are decoded on this task.
                let records = {
                    let (log, spec, mut conn) = (log.clone(), owned.clone(), reading.clone());
                    let names = names.clone();
                    tokio::spawn(async move { log.read_names(&mut conn, &spec, &names).await })
                };
                let records = async {
                    records.await.map_err(|e| {
                        Error::Runtime(format!("the reader of a batch of the log stopped: {e}"))
                    })?
                };
                let rows = async {
                    match judged {
                        Some(judged) => Ok(judged.rows_of(&keys)),
                        None => {
                            let keys: Vec<Key> = keys.iter().map(|k| k.1.clone()).collect();
                            lookup.judged_rows_of(&keys).await
                        }
                    }
                };
                let (read, rows) = futures_util::try_join!(records, rows)?;
                Ok::<_, Error>(Some(Fetched { names, read, rows }))
            };
            let classify = async {
                let Some(Fetched { names, read, rows }) = fetched.take() else {
                    return Ok(());
                };
                stats.add(read.stats);
                kept.malformed(read.malformed);
                let mut entries = read.entries;
                if per_attempt {
                    let named: HashSet<&[u8]> = names.iter().map(Vec::as_slice).collect();
                    let others: BTreeSet<Vec<u8>> = rows
                        .iter()
                        .filter_map(|r| {
                            Some(pattern.name(r.key.as_ref()?, Some(r.attempt.as_ref()?)))
                        })
                        .map(String::into_bytes)
                        .filter(|n| !named.contains(n.as_slice()))
                        .collect();
                    let others: Vec<Vec<u8>> = others.into_iter().collect();
                    // Counted where the walk meets them, not here.
                    let more = log.read_names(&mut classifying, spec, &others).await?;
                    entries.extend(more.entries);
                }
                let (found, entries) = keys_found_apart(
                    serial,
                    batch_spec.clone(),
                    payload_columns.clone(),
                    rows,
                    entries,
                )
                .await?;
                kept.keys.extend(found);
                kept.keep(entries);
                Ok::<_, Error>(())
            };
            // The next batch's names, meanwhile.
            let ahead = pages.fill(log, &mut scanning, log.batch(), progress);
            let (next, done, ahead) = futures_util::join!(fetch, classify, ahead);
            done?;
            ahead?;
            fetched = next?;
        }
    }

    /// Step 2: when records are kept per attempt, the records of the kept keys that
    /// other batches hold, by the names the walk met.
    async fn kept_records(&mut self) -> Result<(), Error> {
        if !self.log.pattern().has_attempt() || self.kept.keys.is_empty() {
            return Ok(());
        }
        self.progress
            .phase("reading the other records of the keys found");
        self.seen.finish();
        let pattern = self.log.pattern();
        let mut wanted: Vec<Vec<u8>> = Vec::new();
        for key in &self.kept.keys {
            for attempt in self.seen.attempts_of(key) {
                let name = pattern.name(key, Some(attempt));
                if !self.kept.records.contains_key(&name) {
                    wanted.push(name.into_bytes());
                }
            }
        }
        wanted.sort_unstable();
        let read = self.log.read_names(self.conn, self.spec, &wanted).await?;
        self.kept.keep(read.entries);
        Ok(())
    }

    /// Step 3: the result keys without any record, classified by their rows alone.
    /// A key with a record was met in step 1, with all its rows.
    async fn unrecorded(&mut self) -> Result<(), Error> {
        self.progress
            .phase("reading the keys of the results without a record");
        self.seen.finish();
        let batch_spec = self.batch_spec();
        if let Some(judged) = &self.judged {
            let kept = &self.kept.keys;
            let mut rows = judged.unmet(&self.seen, |k| kept.contains(k)).into_iter();
            // A batch's keys at a time, each key's rows in one batch.
            let mut batch: Vec<ResultRow> = Vec::new();
            loop {
                let row = rows.next();
                let full = batch.len() >= self.log.batch();
                let boundary = match (&row, batch.last()) {
                    (Some(r), Some(last)) => r.key != last.key,
                    _ => true,
                };
                if (row.is_none() || (full && boundary)) && !batch.is_empty() {
                    self.classify(&batch_spec, std::mem::take(&mut batch), &[]);
                }
                match row {
                    Some(r) => batch.push(r),
                    None => return Ok(()),
                }
            }
        }
        let mut absent: Vec<Key> = Vec::new();
        let mut pending = Vec::new();
        let mut keys = self.lookup.keys();
        loop {
            let key = keys.try_next().await?;
            let end = key.is_none();
            if let Some(key) = key.filter(|k| !self.kept.keys.contains(k)) {
                pending.push((Seen::digest(&key), key));
            }
            if pending.len() >= UNMET_PER_LOOKUP || end {
                absent.extend(self.seen.unmet(std::mem::take(&mut pending)));
            }
            if end {
                break;
            }
        }
        drop(keys);
        absent.sort();
        absent.dedup();
        for chunk in absent.chunks(self.log.batch()) {
            let rows = self.lookup.judged_rows_of(chunk).await?;
            self.classify(&batch_spec, rows, &[]);
        }
        Ok(())
    }

    /// Step 4: the keys of the cross-key copies, kept with their records; and the
    /// non-JSON payloads, when every payload was read.
    async fn cross_key(
        &mut self,
        payload_columns: &[String],
        checks: &BTreeSet<Class>,
    ) -> Result<Option<(u64, Vec<Vec<String>>)>, Error> {
        let json_columns: Vec<bool> = payload_columns
            .iter()
            .map(|c| self.spec.results.json.contains(c))
            .collect();
        let canon = Canonicalizer::new(json_columns, &self.spec.results.ignore_fields);
        let cross_key = checks.contains(&Class::CrossKey);
        let (copies, non_json) = self
            .lookup
            .payloads(self.spec, &canon, cross_key, self.progress)
            .await?;
        let pattern = self.log.pattern().clone();
        let per_attempt = pattern.has_attempt();
        let names: BTreeSet<Vec<u8>> = copies
            .iter()
            .filter(|r| r.key.as_ref().is_some_and(|k| !self.kept.keys.contains(k)))
            .filter_map(|r| {
                let attempt = match per_attempt {
                    true => Some(r.attempt.as_deref()?),
                    false => None,
                };
                Some(pattern.name(r.key.as_ref()?, attempt).into_bytes())
            })
            .collect();
        self.kept
            .keys
            .extend(copies.into_iter().filter_map(|r| r.key));
        let names: Vec<Vec<u8>> = names.into_iter().collect();
        let read = self.log.read_names(self.conn, self.spec, &names).await?;
        self.kept.keep(read.entries);
        Ok(non_json)
    }

    /// The keys a window touches, kept with their records: the distinct keys and
    /// the records created in the window.
    async fn touched(&mut self, w: crate::spec::TimeWindow) -> Result<(u64, u64), Error> {
        self.progress
            .phase("reading the keys of the rows written in the window");
        let written = self.lookup.written_keys().await?;
        self.kept.keys.extend(written);
        let inside = |t: Option<DateTime<Utc>>| t.is_some_and(|t| w.contains(t));
        self.progress
            .phase("reading the log from Redis, a batch at a time");
        let mut created = 0u64;
        let mut cursor = 0;
        loop {
            let (next, names) = self.log.scan_page(self.conn, cursor).await?;
            self.stats.keys_scanned += names.len() as u64;
            self.progress.rows(names.len() as u64);
            for n in &names {
                if let Some((k, attempt)) = self.log.pattern().split(&String::from_utf8_lossy(n)) {
                    self.seen.add(&k, attempt.as_deref(), ());
                }
            }
            let read = self.log.read_names(self.conn, self.spec, &names).await?;
            self.stats.add(read.stats);
            self.kept.malformed(read.malformed);
            for e in &read.entries {
                created += inside(e.created_at) as u64;
                if inside(e.created_at) || inside(e.updated_at) {
                    self.kept.keys.extend(e.key.clone());
                }
            }
            self.kept.keep(read.entries);
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        self.kept_records().await?;
        if !self.log.pattern().has_attempt() {
            // One record per key: a key that entered the window after its record
            // was met is read again by name.
            let names: Vec<Vec<u8>> = self
                .kept
                .keys
                .iter()
                .map(|k| self.log.pattern().name(k, None))
                .filter(|n| !self.kept.records.contains_key(n))
                .map(String::into_bytes)
                .collect();
            let read = self.log.read_names(self.conn, self.spec, &names).await?;
            self.kept.keep(read.entries);
        }
        Ok((self.kept.keys.len() as u64, created))
    }
}

/// The results side, open for lookups by key.
enum Lookup {
    /// Rows looked up in the database, a batch of keys per query.
    Database(Box<KeyLookup>),
    /// A results file, read whole (polars reads it whole anyway) and indexed by key.
    File(FileIndex),
}

struct FileIndex {
    payload_columns: Vec<String>,
    rows: Vec<ResultRow>,
    by_key: HashMap<Key, Vec<usize>>,
    window: Option<crate::spec::TimeWindow>,
}

impl FileIndex {
    fn written(&self, r: &ResultRow) -> bool {
        match self.window {
            Some(w) => r.written_at.is_some_and(|t| w.contains(t)),
            None => true,
        }
    }
}

impl Lookup {
    async fn open(
        side: &ResultsSide,
        spec: &AuditSpec,
        progress: &Progress,
    ) -> Result<Lookup, Error> {
        match side {
            ResultsSide::Database(db) => db
                .key_lookup(spec)
                .await
                .map(|l| Lookup::Database(Box::new(l))),
            ResultsSide::File(path) => {
                let (path, spec) = (path.clone(), spec.clone());
                progress.phase("reading the results file");
                let window = spec.scan.window;
                let (payload_columns, rows) = tokio::task::spawn_blocking(move || {
                    crate::source::load_results_file(&path, &spec)
                })
                .await
                .map_err(|e| Error::Runtime(format!("file reader stopped: {e}")))??;
                let mut by_key: HashMap<Key, Vec<usize>> = HashMap::new();
                for (i, r) in rows.iter().enumerate() {
                    if let Some(k) = &r.key {
                        by_key.entry(k.clone()).or_default().push(i);
                    }
                }
                Ok(Lookup::File(FileIndex {
                    payload_columns,
                    rows,
                    by_key,
                    window,
                }))
            }
        }
    }

    fn payload_columns(&self) -> &[String] {
        match self {
            Lookup::Database(db) => &db.payload_columns,
            Lookup::File(f) => &f.payload_columns,
        }
    }

    /// Every result row of `keys`, with only the payload columns of
    /// [`Lookup::judged_payload_columns`]: enough to judge whether a key has a
    /// finding.
    async fn judged_rows_of(&mut self, keys: &[Key]) -> Result<Vec<ResultRow>, Error> {
        match self {
            Lookup::Database(db) => db.judged_rows_of(keys).await,
            Lookup::File(_) => self.rows_of(keys).await,
        }
    }

    /// Every keyed row, as [`JudgedRows`] holds it, when the results are a
    /// database's and a key's judgement reads no payload; `None` otherwise: a
    /// file's rows are in memory already, and a record's `validation` is compared
    /// with a payload.
    async fn judged_rows(
        &mut self,
        spec: &AuditSpec,
        progress: &Progress,
    ) -> Result<Option<JudgedRows>, Error> {
        let Lookup::Database(db) = self else {
            return Ok(None);
        };
        if !db.judged_payload_columns().is_empty() {
            return Ok(None);
        }
        progress.phase("reading the keys, attempts and times of the result rows");
        // The rows are noted on a thread of their own, a few thousand at a time,
        // while the next are read.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<ResultRow>>(4);
        let arity = spec.results.key.len();
        let noting = tokio::task::spawn_blocking(move || {
            let mut noted = JudgedRows::new(arity);
            while let Some(rows) = rx.blocking_recv() {
                for row in rows {
                    if let Some(key) = &row.key {
                        noted.add(key, row.attempt.as_deref(), row.written_at);
                    }
                }
            }
            noted.finish();
            noted
        });
        let mut rows = db.judged_rows();
        let mut batch = Vec::with_capacity(NOTED_PER_BATCH);
        loop {
            let row = rows.try_next().await?;
            let end = row.is_none();
            batch.extend(row);
            if batch.len() >= NOTED_PER_BATCH || end {
                progress.rows(batch.len() as u64);
                let full = std::mem::replace(&mut batch, Vec::with_capacity(NOTED_PER_BATCH));
                if tx.send(full).await.is_err() {
                    break;
                }
            }
            if end {
                break;
            }
        }
        drop(tx);
        noting
            .await
            .map(Some)
            .map_err(|e| Error::Runtime(format!("the thread noting the result rows stopped: {e}")))
    }

    fn judged_payload_columns(&self) -> &[String] {
        match self {
            Lookup::Database(db) => db.judged_payload_columns(),
            Lookup::File(f) => &f.payload_columns,
        }
    }

    async fn rows_of(&mut self, keys: &[Key]) -> Result<Vec<ResultRow>, Error> {
        match self {
            Lookup::Database(db) => db.rows_of(keys).await,
            Lookup::File(f) => Ok(keys
                .iter()
                .flat_map(|k| f.by_key.get(k).into_iter().flatten())
                .map(|&i| f.rows[i].clone())
                .collect()),
        }
    }

    /// The rows without a key (over a window, those written in it).
    async fn null_key_rows(&mut self) -> Result<Vec<ResultRow>, Error> {
        match self {
            Lookup::Database(db) => db.null_key_rows().await,
            Lookup::File(f) => Ok(f
                .rows
                .iter()
                .filter(|r| r.key.is_none() && f.written(r))
                .cloned()
                .collect()),
        }
    }

    /// Result rows, NULL-key rows and distinct keys.
    async fn totals(&mut self) -> Result<[u64; 3], Error> {
        match self {
            Lookup::Database(db) => db.totals().await,
            Lookup::File(f) => Ok([
                f.rows.len() as u64,
                f.rows.iter().filter(|r| r.key.is_none()).count() as u64,
                f.by_key.len() as u64,
            ]),
        }
    }

    /// Over the window: the rows written in it and those without a key.
    async fn window_totals(&mut self) -> Result<[u64; 2], Error> {
        match self {
            Lookup::Database(db) => db.window_totals().await,
            Lookup::File(f) => {
                let written = || f.rows.iter().filter(|r| f.written(r));
                Ok([
                    written().count() as u64,
                    written().filter(|r| r.key.is_none()).count() as u64,
                ])
            }
        }
    }

    /// The keys of the rows written in the window.
    async fn written_keys(&mut self) -> Result<Vec<Key>, Error> {
        match self {
            Lookup::Database(db) => db.written_keys().await,
            Lookup::File(f) => Ok(f
                .rows
                .iter()
                .filter(|r| f.written(r))
                .filter_map(|r| r.key.clone())
                .collect::<BTreeSet<Key>>()
                .into_iter()
                .collect()),
        }
    }

    /// The cross-key copies (when `cross_key`) and the non-JSON keyed payloads with
    /// the first rows that have one; `None` when the payloads were not all read.
    /// Over a window, the payloads of the rows written in it.
    async fn payloads(
        &mut self,
        spec: &AuditSpec,
        canon: &Canonicalizer,
        cross_key: bool,
        progress: &Progress,
    ) -> Result<(Vec<ResultRow>, Option<(u64, Vec<Vec<String>>)>), Error> {
        match self {
            Lookup::Database(_) if !cross_key => Ok((Vec::new(), None)),
            Lookup::Database(db) => {
                let (rows, n, listed) = db.cross_key(spec, canon, progress).await?;
                Ok((rows, Some((n, listed))))
            }
            Lookup::File(f) => {
                // The file is in memory: both passes over it, as the database does.
                let keyed = || f.rows.iter().filter(|r| r.key.is_some() && f.written(r));
                let mut seen: HashMap<PayloadHash, (&Key, bool)> = HashMap::new();
                let (mut n, mut listed) = (0u64, Vec::new());
                for r in keyed() {
                    let c = canon.canonicalize(&r.payload);
                    if c.non_json {
                        n += 1;
                        if listed.len() < NON_JSON_LISTED {
                            listed.push(r.pk.clone());
                        }
                    }
                    let key = r.key.as_ref().expect("keyed");
                    let entry = seen.entry(c.hash).or_insert((key, false));
                    entry.1 |= entry.0 != key;
                }
                let copies = match cross_key {
                    true => keyed()
                        .filter(|r| seen[&canon.canonicalize(&r.payload).hash].1)
                        .cloned()
                        .collect(),
                    false => Vec::new(),
                };
                Ok((copies, Some((n, listed))))
            }
        }
    }

    /// Every distinct key, streamed.
    fn keys(&mut self) -> BoxStream<'_, Result<Key, Error>> {
        match self {
            Lookup::Database(db) => db.keys(),
            Lookup::File(f) => {
                let keys = f.by_key.keys().cloned().map(Ok).collect::<Vec<_>>();
                futures_util::stream::iter(keys).boxed()
            }
        }
    }

    async fn close(self) {
        if let Lookup::Database(db) = self {
            db.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(parts: &[&str]) -> Key {
        parts.iter().map(|p| p.to_string()).collect()
    }

    fn at(second: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(second, 0)
    }

    /// A row as the tests write it: its key, attempt and time.
    type Held<'a> = (Key, Option<&'a str>, Option<DateTime<Utc>>);

    fn held(rows: &[Held<'_>]) -> JudgedRows {
        let mut judged = JudgedRows::new(2);
        for (k, attempt, time) in rows {
            judged.add(k, *attempt, *time);
        }
        judged.finish();
        judged
    }

    fn summary(rows: &[ResultRow]) -> Vec<(Key, Option<String>, Option<DateTime<Utc>>)> {
        let mut out: Vec<_> = rows
            .iter()
            .map(|r| (r.key.clone().unwrap(), r.attempt.clone(), r.written_at))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn held_rows_give_back_every_row_of_a_key_with_its_attempt_and_time() {
        let (a, b, c) = (key(&["op", "a"]), key(&["op", "b"]), key(&["o", "pb"]));
        let judged = held(&[
            (a.clone(), Some("1"), at(10)),
            (b.clone(), None, None),
            (a.clone(), Some("2"), at(20)),
            (c.clone(), Some(""), at(30)),
        ]);
        let of = |k: &Key| summary(&judged.rows_of(&[(Seen::digest(k), k.clone())]));
        assert_eq!(
            of(&a),
            vec![
                (a.clone(), Some("1".into()), at(10)),
                (a.clone(), Some("2".into()), at(20)),
            ]
        );
        // No attempt stays apart from an empty one; key columns stay apart too.
        assert_eq!(of(&b), vec![(b.clone(), None, None)]);
        assert_eq!(of(&c), vec![(c.clone(), Some(String::new()), at(30))]);
        assert!(of(&key(&["op", "z"])).is_empty());
    }

    #[test]
    fn held_rows_name_the_keys_the_walk_met_no_record_of() {
        let (a, b, c) = (key(&["op", "a"]), key(&["op", "b"]), key(&["op", "c"]));
        let judged = held(&[
            (a.clone(), Some("1"), at(1)),
            (b.clone(), Some("1"), at(2)),
            (b.clone(), Some("2"), at(3)),
            (c.clone(), Some("1"), at(4)),
        ]);
        let mut seen = Seen::default();
        seen.add(&a, Some("1"), ());
        seen.finish();
        let unmet = judged.unmet(&seen, |_| false);
        assert_eq!(
            summary(&unmet),
            vec![
                (b.clone(), Some("1".into()), at(2)),
                (b.clone(), Some("2".into()), at(3)),
                (c.clone(), Some("1".into()), at(4)),
            ]
        );
        // In key order, each key's rows together.
        let keys: Vec<&Key> = unmet.iter().map(|r| r.key.as_ref().unwrap()).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]));
        // A key already kept is left out.
        let unmet = judged.unmet(&seen, |k| *k == c);
        assert_eq!(summary(&unmet).len(), 2);
    }
}
