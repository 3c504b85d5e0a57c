//! The audit of an idempotency log kept in Redis against a results table kept
//! anywhere else (PostgreSQL, MySQL, SQLite or an export file).
//!
//! In: the results side, a [`RedisLog`], the spec and the time staleness is judged
//! against. Out: one [`Findings`], the same classes as a log in SQL gives, plus the
//! three only a Redis log can show: `expired-record`, `validation-mismatch` and
//! `malformed-record`.
//!
//! Memory grows with the findings, not with the keyspace or the table: records and
//! rows are held a batch at a time, and only those of keys with a finding are kept.
//!
//! Steps:
//! 1. Walk the keyspace in `SCAN` batches. For each batch, read its records and, at
//!    the same time, fetch the result rows of just its keys (and, when records are
//!    kept per attempt, the records of those rows' attempts that the batch does not
//!    hold) and classify the batch with the scan engine. Keep the keys that have a finding, their records,
//!    and every malformed record.
//! 2. When records are kept per attempt, a key's records may lie in other batches:
//!    walk the keyspace again, reading only the records of the kept keys.
//! 3. Stream the results' distinct keys (and attempts); a key none of whose rows has a
//!    record (pipelined `EXISTS`) was never met in step 1: classify those keys too.
//! 4. Cross-key, when checked: the results side finds the rows whose payload appears
//!    under several keys (pushed down, two passes); read the records of their rows.
//! 5. Read every row of the kept keys, the NULL-key rows and the results' totals, and
//!    classify them with the kept records: the findings. The classification:
//!    a. the scan engine, exactly as for a log in SQL; when the Redis key names no
//!    attempt and the records hold none, keys are matched without attempts;
//!    b. Powertools records carry no timestamps but an in-progress expiry: an
//!    INPROGRESS record whose expiry has passed is `stale-processing`;
//!    c. a result row with no record is `expired-record` when its key's record says
//!    EXPIRED, or when the row is older than the records' TTL; else it stays
//!    `orphan-result` (never recorded);
//!    d. records with a `validation` hash are checked against their key's rows;
//!    e. malformed records become `malformed-record` findings; the summary is redone.
//!
//! Every finding of a key is seen in step 1 or 3 with all the rows of the key and the
//! records its rows name, which is all the engine needs to tell that the key has a
//! finding; steps 2 and 5 then give it the key's whole history, so the findings are
//! those of reading everything at once.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use futures_util::stream::{BoxStream, StreamExt};
use futures_util::TryStreamExt;
use md5::{Digest, Md5};

use crate::canonical::{Canonicalizer, PayloadHash};
use crate::error::Error;
use crate::findings::{Class, Finding, Findings, MalformedRecord, RedisStats, RowRef};
use crate::model::{Counts, Dataset, Key, ResultRow, SourceInfo};
use crate::progress::Progress;
use crate::scan::{fmt_time, human, scan, sort_findings, summarize, NON_JSON_LISTED};
use crate::source::redis::{Record, RedisLog};
use crate::source::{DatabaseSource, KeyLookup};
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
                spec.results.table_name().to_string(),
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
    with_attempt: bool,
}

impl Lookup {
    /// `with_attempt`: [`Lookup::keys`] yields each key's attempts too.
    async fn open(
        side: &ResultsSide,
        spec: &AuditSpec,
        with_attempt: bool,
        progress: &Progress,
    ) -> Result<Lookup, Error> {
        match side {
            ResultsSide::Database(db) => db
                .key_lookup(spec, with_attempt)
                .await
                .map(|l| Lookup::Database(Box::new(l))),
            ResultsSide::File(path) => {
                let (path, spec) = (path.clone(), spec.clone());
                progress.phase("reading the results file");
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
                    with_attempt,
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

    async fn null_key_rows(&mut self) -> Result<Vec<ResultRow>, Error> {
        match self {
            Lookup::Database(db) => db.null_key_rows().await,
            Lookup::File(f) => Ok(f.rows.iter().filter(|r| r.key.is_none()).cloned().collect()),
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

    /// The cross-key copies (when `cross_key`) and the non-JSON keyed payloads with
    /// the first rows that have one; `None` when the payloads were not all read.
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
                let keyed = || f.rows.iter().filter(|r| r.key.is_some());
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

    /// Every distinct key (and attempt), streamed.
    fn keys(&mut self) -> BoxStream<'_, Result<(Key, Option<String>), Error>> {
        match self {
            Lookup::Database(db) => db.keys(),
            Lookup::File(f) => {
                let pairs: BTreeSet<(Key, Option<String>)> = f
                    .rows
                    .iter()
                    .filter_map(|r| {
                        let attempt = if f.with_attempt {
                            r.attempt.clone()
                        } else {
                            None
                        };
                        Some((r.key.clone()?, attempt))
                    })
                    .collect();
                futures_util::stream::iter(pairs.into_iter().map(Ok)).boxed()
            }
        }
    }

    async fn close(self) {
        if let Lookup::Database(db) = self {
            db.close().await;
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

/// What the walk keeps: the records of the keys with a finding, by Redis key.
#[derive(Default)]
struct Kept {
    keys: HashSet<Key>,
    records: HashMap<String, Record>,
    expired: BTreeSet<(Key, Option<String>)>,
    malformed: BTreeMap<String, (Option<Key>, MalformedRecord)>,
}

impl Kept {
    /// Keeps the records (and EXPIRED records) of the kept keys among `read`'s.
    fn keep(&mut self, records: Vec<Record>, expired: Vec<(Key, Option<String>)>) {
        for r in records {
            if r.entry.key.as_ref().is_some_and(|k| self.keys.contains(k)) {
                self.records.entry(r.redis_key.clone()).or_insert(r);
            }
        }
        for e in expired {
            if self.keys.contains(&e.0) {
                self.expired.insert(e);
            }
        }
    }
}

/// Runs the whole audit (steps 1 to 5 of the module).
pub async fn audit(
    results: &ResultsSide,
    log: &RedisLog,
    spec: &AuditSpec,
    as_of: DateTime<Utc>,
    progress: &Progress,
) -> Result<Findings, Error> {
    let per_attempt = log.pattern().has_attempt();
    let mut lookup = Lookup::open(results, spec, per_attempt, progress).await?;
    let found = walk(&mut lookup, log, spec, as_of, progress).await;
    lookup.close().await;
    found
}

async fn walk(
    lookup: &mut Lookup,
    log: &RedisLog,
    spec: &AuditSpec,
    as_of: DateTime<Utc>,
    progress: &Progress,
) -> Result<Findings, Error> {
    let engine = engine_spec(spec, log);
    let checks = engine.scan.checks();
    // A batch holds some keys only: cross-key and NULL keys are found over the whole
    // table in steps 4 and 5.
    let mut batch_spec = engine.clone();
    batch_spec.scan.cross_key = false;
    batch_spec
        .scan
        .classes
        .retain(|c| !matches!(c, Class::CrossKey | Class::NullKey));
    let payload_columns = lookup.payload_columns().to_vec();
    let pattern = log.pattern().clone();
    let per_attempt = pattern.has_attempt();
    let batch = log.batch();
    let mut conn = log.connect().await?;
    let mut stats = RedisStats::default();
    let mut kept = Kept::default();

    // 1.
    progress.phase("reading the log from Redis, a batch at a time");
    let mut cursor = 0;
    loop {
        let (next, names) = log.scan_page(&mut conn, cursor).await?;
        stats.keys_scanned += names.len() as u64;
        progress.rows(names.len() as u64);
        for chunk in names.chunks(batch) {
            // Every key the batch names, whatever becomes of its record: the rows of
            // a key whose record vanished or is malformed are judged here too. The
            // rows are looked up while the records are read.
            let keys: Vec<Key> = chunk
                .iter()
                .filter_map(|n| pattern.split(&String::from_utf8_lossy(n)))
                .map(|(k, _)| k)
                .collect::<BTreeSet<Key>>()
                .into_iter()
                .collect();
            let (read, rows) = futures_util::try_join!(
                log.read_names(&mut conn, spec, chunk),
                lookup.rows_of(&keys)
            )?;
            stats.add(read.stats);
            let mut records = read.records;
            let mut expired = read.expired;
            if per_attempt {
                let named: HashSet<&[u8]> = chunk.iter().map(Vec::as_slice).collect();
                let others: BTreeSet<Vec<u8>> = rows
                    .iter()
                    .filter_map(|r| Some(pattern.name(r.key.as_ref()?, Some(r.attempt.as_ref()?))))
                    .map(String::into_bytes)
                    .filter(|n| !named.contains(n.as_slice()))
                    .collect();
                let others: Vec<Vec<u8>> = others.into_iter().collect();
                // Counted where the walk meets them, not here.
                let more = log.read_names(&mut conn, spec, &others).await?;
                records.extend(more.records);
                expired.extend(more.expired);
            }
            let found = classify(
                &batch_spec,
                payload_columns.clone(),
                rows,
                None,
                &records,
                &expired,
                &[],
                as_of,
            )?;
            kept.keys
                .extend(found.findings.into_iter().filter_map(|f| f.key));
            kept.keep(records, expired);
            for (key, m) in read.malformed {
                kept.malformed
                    .entry(m.redis_key.clone())
                    .or_insert((key, m));
            }
        }
        cursor = next;
        if cursor == 0 {
            break;
        }
    }

    // 2.
    if per_attempt && !kept.keys.is_empty() {
        progress.phase("reading the other records of the keys with findings");
        let mut cursor = 0;
        loop {
            let (next, names) = log.scan_page(&mut conn, cursor).await?;
            let wanted: Vec<Vec<u8>> = names
                .into_iter()
                .filter(|n| {
                    let name = String::from_utf8_lossy(n);
                    !kept.records.contains_key(name.as_ref())
                        && pattern
                            .split(&name)
                            .is_some_and(|(k, _)| kept.keys.contains(&k))
                })
                .collect();
            let read = log.read_names(&mut conn, spec, &wanted).await?;
            kept.keep(read.records, read.expired);
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
    }

    // 3.
    let keyless = [
        Class::Exact,
        Class::Conflict,
        Class::OrphanResult,
        Class::ExpiredRecord,
    ];
    if keyless.iter().any(|c| checks.contains(c)) {
        progress.phase("looking up the records of every result key");
        let mut absent: Vec<Key> = Vec::new();
        let mut pending: Vec<(Key, Option<String>)> = Vec::new();
        let mut keys = lookup.keys();
        loop {
            let next = keys.try_next().await?;
            let done = next.is_none();
            if let Some((key, attempt)) = next {
                if !kept.keys.contains(&key) {
                    pending.push((key, attempt));
                }
            }
            if pending.len() >= batch || (done && !pending.is_empty()) {
                let names: Vec<String> = pending
                    .iter()
                    .map(|(k, a)| pattern.name(k, a.as_deref()))
                    .collect();
                let exist = log.exist(&mut conn, &names).await?;
                // A key with any record was met in step 1 (with all its rows).
                let with_record: HashSet<&Key> = pending
                    .iter()
                    .zip(&exist)
                    .filter(|(_, e)| **e)
                    .map(|((k, _), _)| k)
                    .collect();
                let mut none: Vec<Key> = pending
                    .iter()
                    .map(|(k, _)| k)
                    .filter(|k| !with_record.contains(k))
                    .cloned()
                    .collect();
                none.dedup();
                absent.extend(none);
                pending.clear();
            }
            if done {
                break;
            }
        }
        drop(keys);
        absent.sort();
        absent.dedup();
        for chunk in absent.chunks(batch) {
            let rows = lookup.rows_of(chunk).await?;
            let found = classify(
                &batch_spec,
                payload_columns.clone(),
                rows,
                None,
                &[],
                &[],
                &[],
                as_of,
            )?;
            kept.keys
                .extend(found.findings.into_iter().filter_map(|f| f.key));
        }
    }

    // 4.
    let json_columns: Vec<bool> = payload_columns
        .iter()
        .map(|c| spec.results.json.contains(c))
        .collect();
    let canon = Canonicalizer::new(json_columns, &spec.results.ignore_fields);
    let (copies, non_json) = lookup
        .payloads(spec, &canon, checks.contains(&Class::CrossKey), progress)
        .await?;
    let names: BTreeSet<Vec<u8>> = copies
        .iter()
        .filter(|r| r.key.as_ref().is_some_and(|k| !kept.keys.contains(k)))
        .filter_map(|r| {
            let attempt = if per_attempt {
                Some(r.attempt.as_deref()?)
            } else {
                None
            };
            Some(pattern.name(r.key.as_ref()?, attempt).into_bytes())
        })
        .collect();
    let copy_keys: BTreeSet<Key> = copies.into_iter().filter_map(|r| r.key).collect();
    let read = log
        .read_names(&mut conn, spec, &names.into_iter().collect::<Vec<_>>())
        .await?;
    kept.keys.extend(copy_keys);
    kept.keep(read.records, read.expired);

    // 5.
    progress.phase("reading the rows of the keys with findings");
    let mut keys: Vec<Key> = kept.keys.iter().cloned().collect();
    keys.sort();
    let mut rows = Vec::new();
    for chunk in keys.chunks(batch) {
        rows.extend(lookup.rows_of(chunk).await?);
    }
    if checks.contains(&Class::NullKey) {
        rows.extend(lookup.null_key_rows().await?);
    }
    let [result_rows, null_key_rows, key_count] = lookup.totals().await?;
    let counts = Counts {
        result_rows,
        log_rows: Some(stats.records),
        keys: key_count,
        null_key_rows,
        // Records of an unknown status are malformed, never read into the log.
        unknown_statuses: Some(Vec::new()),
        non_json_payloads: non_json,
        malformed: Vec::new(),
    };
    let mut records: Vec<Record> = kept.records.into_values().collect();
    records.sort_by(|a, b| a.redis_key.cmp(&b.redis_key));
    let expired: Vec<(Key, Option<String>)> = kept.expired.into_iter().collect();
    let malformed: Vec<(Option<Key>, MalformedRecord)> = kept.malformed.into_values().collect();
    progress.phase("comparing the log with the results");
    let mut findings = classify(
        &engine,
        payload_columns,
        rows,
        Some(counts),
        &records,
        &expired,
        &malformed,
        as_of,
    )?;
    findings.redis = Some(stats);
    Ok(findings)
}

/// Step 5's classification (a to e) of some result rows and records.
#[allow(clippy::too_many_arguments)]
fn classify(
    spec: &AuditSpec,
    payload_columns: Vec<String>,
    rows: Vec<ResultRow>,
    counts: Option<Counts>,
    records: &[Record],
    expired: &[(Key, Option<String>)],
    malformed: &[(Option<Key>, MalformedRecord)],
    as_of: DateTime<Utc>,
) -> Result<Findings, Error> {
    // a.
    let entries = records.iter().map(|r| r.entry.clone()).collect();
    let mut data = Dataset::complete(spec, payload_columns, rows, entries);
    data.counts = counts;
    let mut findings = scan(&data, spec, as_of);
    let checks: BTreeSet<Class> = findings.checked.iter().copied().collect();
    let canon = Canonicalizer::new(data.json_columns.clone(), &spec.results.ignore_fields);
    let row_ref = |r: &ResultRow, status: Option<Status>| RowRef {
        pk: r.pk.clone(),
        key: r.key.clone(),
        attempt: r.attempt.clone(),
        written_at: r.written_at,
        payload_hash: canon.canonicalize(&r.payload).hash,
        attempt_status: status,
    };

    // b.
    for r in records {
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
                attempts: vec![crate::classes::attempt_ref(&r.entry)],
                payload_diff: Vec::new(),
                log_rows: 0,
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

    // c.
    let expired: HashSet<&Key> = expired.iter().map(|(k, _)| k).collect();
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

    // d.
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
                        attempts: vec![crate::classes::attempt_ref(&r.entry)],
                        payload_diff: Vec::new(),
                        log_rows: 0,
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

    // e.
    for (key, m) in malformed {
        findings.findings.push(Finding {
            class: Class::MalformedRecord,
            key: key.clone(),
            payload_hash: None,
            surplus_rows: 0,
            rows: Vec::new(),
            attempts: Vec::new(),
            payload_diff: Vec::new(),
            log_rows: 0,
            note: format!("{}: {}", m.redis_key, m.reason),
        });
    }
    findings.findings.retain(|f| checks.contains(&f.class));
    sort_findings(&mut findings.findings);
    findings.summary = summarize(&checks, &findings.findings);
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
