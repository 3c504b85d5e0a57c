//! A deterministic generator of the incident: result rows, an idempotency log and the
//! ground truth of what a scan must find in them.
//!
//! In: a seed and a size. Out: an [`Incident`] (rows, log, truth) that the `generate`
//! command writes as SQLite, CSV, Parquet and NDJSON. The same seed and size always
//! give the same bytes of data.
//!
//! The story, over 30 days of October 2026:
//! 1. Most keys: one attempt, COMPLETED, one result row. Some keys retried normally:
//!    attempt 1 FAILED without writing, attempt 2 COMPLETED and wrote.
//! 2. The incident: on 2026-10-14 from 14:02 for three hours, `summarize` calls time
//!    out; attempt 1 is marked FAILED, attempt 2 COMPLETES and writes, then attempt 1
//!    finishes late and writes the same result again (with another `latency_ms`, and
//!    sometimes with its JSON keys reordered or pretty-printed). A few late writes
//!    carry a different model output: conflicts.
//! 3. A handful of every other class, scattered over the month.

pub mod load;
pub mod redis;
pub mod shape;
pub mod write;

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use shape::Shape;

/// The forms `generate` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GenFormat {
    Sqlite,
    Csv,
    Parquet,
    Ndjson,
}

/// One result row as the generator writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct GenRow {
    pub id: i64,
    pub operation_name: String,
    pub idempotency_key: Option<String>,
    pub attempt_id: String,
    pub payload: GenPayload,
    pub created_at: DateTime<Utc>,
}

/// A generated payload: the model's output, kept as what it is made from and written
/// out when a row is written, so that a table of tens of millions of rows is not held
/// as text; or a text of its own (a payload that is not the model's output).
#[derive(Debug, Clone)]
pub enum GenPayload {
    Made(Recipe),
    Text(String),
}

/// What a model's output is made from (see [`GenPayload::text`]).
#[derive(Debug, Clone, Copy)]
pub struct Recipe {
    key_no: u64,
    op: &'static str,
    /// 0 for the output; any other value gives a different output.
    variant: u32,
    latency: u32,
    style: Style,
}

impl GenPayload {
    /// The payload as it is stored.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            GenPayload::Text(text) => Cow::Borrowed(text),
            GenPayload::Made(r) => Cow::Owned(r.render()),
        }
    }
}

/// Two payloads are equal when their texts are.
impl PartialEq for GenPayload {
    fn eq(&self, other: &GenPayload) -> bool {
        self.text() == other.text()
    }
}

impl From<&str> for GenPayload {
    fn from(text: &str) -> GenPayload {
        GenPayload::Text(text.to_string())
    }
}

impl From<String> for GenPayload {
    fn from(text: String) -> GenPayload {
        GenPayload::Text(text)
    }
}

impl Recipe {
    fn render(&self) -> String {
        let Recipe {
            key_no,
            op,
            variant,
            latency,
            style,
        } = *self;
        let model = MODELS[(key_no % 3) as usize];
        let a = WORDS[(key_no % 16) as usize];
        let b = WORDS[((key_no / 16) % 16) as usize];
        let tokens = 40 + (key_no * 7919) % 900;
        let summary = match variant {
            0 => format!("{op} of document {key_no}: {a} and {b} reviewed, no action needed"),
            v => format!(
                "{op} of document {key_no}: {a} flagged for review after {b} check (variant {v})"
            ),
        };
        match style {
            Style::Compact => format!(
                r#"{{"model":"{model}","output":{{"summary":"{summary}","labels":["{a}","{b}"]}},"tokens":{tokens},"latency_ms":{latency}}}"#
            ),
            Style::Reordered => format!(
                r#"{{"latency_ms":{latency},"tokens":{tokens},"output":{{"labels":["{a}","{b}"],"summary":"{summary}"}},"model":"{model}"}}"#
            ),
            Style::Pretty => format!(
                "{{\n  \"model\": \"{model}\",\n  \"output\": {{\n    \"summary\": \"{summary}\",\n    \"labels\": [\"{a}\", \"{b}\"]\n  }},\n  \"tokens\": {tokens},\n  \"latency_ms\": {latency}\n}}"
            ),
        }
    }
}

/// One idempotency-log row as the generator writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct GenLog {
    pub idempotency_key: String,
    pub attempt_id: String,
    pub operation_name: String,
    pub status: &'static str,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a correct scan of the generated data finds, class by class. Rows are
/// named by primary key (`id`), keys by `[operation_name, idempotency_key]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub seed: u64,
    pub rows: u64,
    /// Staleness in this truth is judged as of this time.
    pub as_of: DateTime<Utc>,
    /// Each group: its row ids, ascending.
    pub exact: Vec<Vec<i64>>,
    pub conflict: Vec<Vec<i64>>,
    pub cross_key: Vec<Vec<i64>>,
    pub late_write: Vec<i64>,
    /// Each key as reports write it.
    pub multi_complete: Vec<Vec<String>>,
    /// `[operation_name, idempotency_key, attempt_id]`.
    pub stale_processing: Vec<Vec<String>>,
    pub orphan_result: Vec<i64>,
    /// Like `stale_processing`: the key's columns, then the attempt.
    pub missing_result: Vec<Vec<String>>,
    pub null_key: Vec<i64>,
    pub non_json: Vec<i64>,
    /// The incident window and the surplus rows written inside it.
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub window_surplus_rows: u64,
}

impl GroundTruth {
    /// The truth of the incident written in `shape`: the same rows, its keys written
    /// as reports write that shape's keys (the generator names them by operation and
    /// key, as the sample's shape does).
    pub fn in_shape(&self, shape: Shape) -> GroundTruth {
        let rekey = |list: &[Vec<String>]| -> Vec<Vec<String>> {
            let mut out: Vec<Vec<String>> = list
                .iter()
                .map(|k| {
                    let mut key = shape.key_text(&k[0], &k[1]);
                    key.extend(k[2..].iter().cloned());
                    key
                })
                .collect();
            out.sort();
            out
        };
        GroundTruth {
            multi_complete: rekey(&self.multi_complete),
            stale_processing: rekey(&self.stale_processing),
            missing_result: rekey(&self.missing_result),
            ..self.clone()
        }
    }
}

/// The generated data set.
#[derive(Debug, Clone)]
pub struct Incident {
    pub results: Vec<GenRow>,
    pub log: Vec<GenLog>,
    pub truth: GroundTruth,
}

const OPERATIONS: [&str; 4] = ["summarize", "classify", "translate", "extract"];
const MODELS: [&str; 3] = ["m-large-2", "m-small-3", "m-large-3"];
const WORDS: [&str; 16] = [
    "invoice",
    "contract",
    "renewal",
    "outage",
    "refund",
    "shipment",
    "audit",
    "payroll",
    "migration",
    "incident",
    "forecast",
    "survey",
    "policy",
    "release",
    "warranty",
    "tender",
];

/// JSON layouts a writer may produce for the same content.
#[derive(Debug, Clone, Copy)]
enum Style {
    Compact,
    Reordered,
    Pretty,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tag {
    Exact(usize),
    Conflict(usize),
    CrossKey(usize),
    LateWrite,
    Orphan,
    NullKey,
    NonJson,
    WindowSurplus,
}

struct Builder {
    rng: ChaCha8Rng,
    /// The rows in the making: ids are given once every row exists, in time order.
    rows: Vec<GenRow>,
    /// The truth labels of the rows that have any, by position in `rows`.
    tags: Vec<(u32, Tag)>,
    log: Vec<GenLog>,
    next_key: u64,
    next_attempt: u64,
    groups: usize,
    truth: GroundTruth,
}

/// Start of the month the sample covers.
pub fn month_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()
}

/// Start of the incident.
pub fn incident_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 14, 14, 2, 0).unwrap()
}

impl Builder {
    fn key(&mut self) -> String {
        self.next_key += 1;
        let salt: u16 = self.rng.random();
        format!("req-{:07}-{salt:04x}", self.next_key)
    }

    fn attempt(&mut self) -> String {
        self.next_attempt += 1;
        format!("att-{:08}", self.next_attempt)
    }

    /// A moment in the month outside the incident day, so scattered findings never
    /// fall into the incident window.
    fn scattered_time(&mut self) -> DateTime<Utc> {
        loop {
            let t =
                month_start() + Duration::seconds(self.rng.random_range(0..30 * 86_400 - 3_600));
            if (t - incident_start()).num_hours().abs() > 12 {
                return t;
            }
        }
    }

    fn latency(&mut self) -> u32 {
        self.rng.random_range(80..30_000)
    }

    /// The model's output for a key; `variant` > 0 gives a different output.
    fn payload(
        &self,
        key_no: u64,
        op: &'static str,
        variant: u32,
        latency: u32,
        style: Style,
    ) -> GenPayload {
        GenPayload::Made(Recipe {
            key_no,
            op,
            variant,
            latency,
            style,
        })
    }

    fn log(
        &mut self,
        op: &str,
        key: &str,
        attempt: &str,
        status: &'static str,
        created: DateTime<Utc>,
        updated: DateTime<Utc>,
    ) {
        self.log.push(GenLog {
            idempotency_key: key.to_string(),
            attempt_id: attempt.to_string(),
            operation_name: op.to_string(),
            status,
            created_at: created,
            updated_at: updated,
        });
    }

    fn row(
        &mut self,
        op: &str,
        key: Option<&str>,
        attempt: &str,
        payload: GenPayload,
        at: DateTime<Utc>,
        tags: Vec<Tag>,
    ) {
        for tag in tags {
            self.tags.push((self.rows.len() as u32, tag));
        }
        self.rows.push(GenRow {
            id: 0,
            operation_name: op.to_string(),
            idempotency_key: key.map(String::from),
            attempt_id: attempt.to_string(),
            payload,
            created_at: at,
        });
    }

    fn group(&mut self) -> usize {
        self.groups += 1;
        self.groups
    }

    /// A key processed normally, optionally after a failed attempt that wrote nothing.
    fn normal(&mut self, at: DateTime<Utc>, retried: bool) {
        let op = OPERATIONS[self.rng.random_range(0..OPERATIONS.len())];
        let key = self.key();
        let key_no = self.next_key;
        let mut start = at;
        if retried {
            let a1 = self.attempt();
            self.log(
                op,
                &key,
                &a1,
                "FAILED",
                start,
                start + Duration::seconds(30),
            );
            start += Duration::seconds(31);
        }
        let a = self.attempt();
        let took = Duration::milliseconds(self.rng.random_range(200..20_000));
        self.log(op, &key, &a, "COMPLETED", start, start + took);
        let latency = self.latency();
        let payload = self.payload(key_no, op, 0, latency, Style::Compact);
        self.row(op, Some(&key), &a, payload, start + took, Vec::new());
    }

    /// The incident's signature: attempt 1 times out and is marked FAILED, attempt 2
    /// completes and writes, attempt 1 writes late. `conflict` makes the late copy differ.
    fn late_write(&mut self, op: &'static str, t0: DateTime<Utc>, conflict: bool, in_window: bool) {
        let key = self.key();
        let key_no = self.next_key;
        let a1 = self.attempt();
        let a2 = self.attempt();
        let failed_at = t0 + Duration::seconds(30);
        self.log(op, &key, &a1, "FAILED", t0, failed_at);
        let done = failed_at + Duration::milliseconds(self.rng.random_range(1_000..20_000));
        self.log(
            op,
            &key,
            &a2,
            "COMPLETED",
            failed_at + Duration::seconds(1),
            done,
        );
        let late_at = done + Duration::milliseconds(self.rng.random_range(5_000..240_000));
        let g = self.group();
        let group_tag = if conflict {
            Tag::Conflict(g)
        } else {
            Tag::Exact(g)
        };
        let style = match self.rng.random_range(0..10) {
            0 => Style::Reordered,
            1 => Style::Pretty,
            _ => Style::Compact,
        };
        let (l1, l2) = (self.latency(), self.latency());
        let first = self.payload(key_no, op, 0, l2, Style::Compact);
        let late = self.payload(key_no, op, conflict as u32, l1, style);
        self.row(op, Some(&key), &a2, first, done, vec![group_tag]);
        let mut tags = vec![group_tag, Tag::LateWrite];
        if in_window {
            tags.push(Tag::WindowSurplus);
        }
        self.row(op, Some(&key), &a1, late, late_at, tags);
    }

    /// One attempt that wrote its (identical) result twice: an exact duplicate
    /// with a clean log.
    fn double_write(&mut self, payload: Option<String>) {
        let op = OPERATIONS[self.rng.random_range(0..OPERATIONS.len())];
        let key = self.key();
        let key_no = self.next_key;
        let a = self.attempt();
        let t = self.scattered_time();
        let done = t + Duration::seconds(5);
        self.log(op, &key, &a, "COMPLETED", t, done);
        let g = self.group();
        let mut tags = vec![Tag::Exact(g)];
        let (p1, p2) = match payload {
            Some(p) => {
                tags.push(Tag::NonJson);
                (GenPayload::Text(p.clone()), GenPayload::Text(p))
            }
            None => {
                let (l1, l2) = (self.latency(), self.latency());
                (
                    self.payload(key_no, op, 0, l1, Style::Compact),
                    self.payload(key_no, op, 0, l2, Style::Compact),
                )
            }
        };
        self.row(op, Some(&key), &a, p1, done, tags.clone());
        self.row(
            op,
            Some(&key),
            &a,
            p2,
            done + Duration::milliseconds(400),
            tags,
        );
    }

    /// Two attempts both COMPLETED and both wrote: multi-complete, and exact or
    /// conflict depending on whether the outputs agree.
    fn multi_complete(&mut self, differ: bool) {
        let op = OPERATIONS[self.rng.random_range(0..OPERATIONS.len())];
        let key = self.key();
        let key_no = self.next_key;
        let (a1, a2) = (self.attempt(), self.attempt());
        let t = self.scattered_time();
        self.log(op, &key, &a1, "COMPLETED", t, t + Duration::seconds(8));
        self.log(
            op,
            &key,
            &a2,
            "COMPLETED",
            t + Duration::seconds(2),
            t + Duration::seconds(9),
        );
        let g = self.group();
        let tag = if differ {
            Tag::Conflict(g)
        } else {
            Tag::Exact(g)
        };
        let (l1, l2) = (self.latency(), self.latency());
        let p1 = self.payload(key_no, op, 0, l1, Style::Compact);
        let p2 = self.payload(key_no, op, differ as u32 * 2, l2, Style::Compact);
        self.row(op, Some(&key), &a1, p1, t + Duration::seconds(8), vec![tag]);
        self.row(op, Some(&key), &a2, p2, t + Duration::seconds(9), vec![tag]);
        self.truth.multi_complete.push(vec![op.to_string(), key]);
    }

    /// A client that resent the same request under a fresh key. The second copy's
    /// JSON lists its fields in another order, as another client library writes it:
    /// the same payload all the same.
    fn cross_key(&mut self) {
        let op = OPERATIONS[self.rng.random_range(0..OPERATIONS.len())];
        let key_no = self.next_key + 1;
        let g = self.group();
        let t = self.scattered_time();
        for n in 0..2 {
            let key = self.key();
            let a = self.attempt();
            let at = t + Duration::minutes(3 * n);
            self.log(op, &key, &a, "COMPLETED", at, at + Duration::seconds(4));
            let latency = self.latency();
            let style = match n {
                0 => Style::Compact,
                _ => Style::Reordered,
            };
            let payload = self.payload(key_no, op, 0, latency, style);
            self.row(
                op,
                Some(&key),
                &a,
                payload,
                at + Duration::seconds(4),
                vec![Tag::CrossKey(g)],
            );
        }
    }
}

/// How timestamps are written in text forms (CSV, NDJSON, SQLite): naive UTC with
/// milliseconds, a form every reader of dupaudit parses.
pub fn text_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// Generates the incident with about `rows` result rows.
pub fn generate(seed: u64, rows: u64) -> Incident {
    let mut b = Builder {
        rng: ChaCha8Rng::seed_from_u64(seed),
        rows: Vec::new(),
        tags: Vec::new(),
        log: Vec::new(),
        next_key: 0,
        next_attempt: 0,
        groups: 0,
        truth: GroundTruth {
            seed,
            rows,
            as_of: month_start() + Duration::days(30),
            ..Default::default()
        },
    };
    let handful = (rows / 1_000).clamp(3, 1_000) as usize;

    // 2. The incident: one duplicate per key, most of them exact.
    let incident = (rows / 100).max(100) as usize;
    let conflicts = (incident / 30).max(3);
    for i in 0..incident {
        let offset = b.rng.random_range(0..(3 * 3_600 - 300));
        let t0 = incident_start() + Duration::seconds(offset);
        b.late_write("summarize", t0, i < conflicts, true);
    }

    // 3. A handful of every other class, away from the incident.
    for _ in 0..handful {
        b.double_write(None);
    }
    b.double_write(Some(
        "<html><body>502 Bad Gateway</body></html>".to_string(),
    ));
    for _ in 0..2 {
        let t = b.scattered_time();
        b.late_write("classify", t, true, false);
    }
    for n in 0..handful {
        b.multi_complete(n % 2 == 0);
    }
    for _ in 0..handful + 1 {
        b.cross_key();
    }
    for _ in 0..handful + 1 {
        // stale PROCESSING: an attempt that never finished and wrote nothing.
        let op = OPERATIONS[b.rng.random_range(0..OPERATIONS.len())];
        let key = b.key();
        let a = b.attempt();
        let t = b.scattered_time();
        b.log(op, &key, &a, "PROCESSING", t, t);
        b.truth.stale_processing.push(vec![op.into(), key, a]);
    }
    {
        // one attempt still in flight at the end of the data: not stale as of then.
        let key = b.key();
        let a = b.attempt();
        let t = b.truth.as_of - Duration::minutes(5);
        b.log("summarize", &key, &a, "PROCESSING", t, t);
    }
    for _ in 0..handful + 1 {
        // orphan: a result row whose key the log never saw.
        let op = OPERATIONS[b.rng.random_range(0..OPERATIONS.len())];
        let key = b.key();
        let key_no = b.next_key;
        let a = b.attempt();
        let t = b.scattered_time();
        let latency = b.latency();
        let payload = b.payload(key_no, op, 0, latency, Style::Compact);
        b.row(op, Some(&key), &a, payload, t, vec![Tag::Orphan]);
    }
    for _ in 0..handful + 1 {
        // missing result: COMPLETED in the log, nothing in the results table.
        let op = OPERATIONS[b.rng.random_range(0..OPERATIONS.len())];
        let key = b.key();
        let a = b.attempt();
        let t = b.scattered_time();
        b.log(op, &key, &a, "COMPLETED", t, t + Duration::seconds(3));
        b.truth.missing_result.push(vec![op.into(), key, a]);
    }
    for _ in 0..handful {
        // NULL key: a writer that lost the key.
        let op = OPERATIONS[b.rng.random_range(0..OPERATIONS.len())];
        b.next_key += 1;
        let key_no = b.next_key;
        let a = b.attempt();
        let t = b.scattered_time();
        let latency = b.latency();
        let payload = b.payload(key_no, op, 0, latency, Style::Compact);
        b.row(op, None, &a, payload, t, vec![Tag::NullKey]);
    }
    {
        // a payload that is not JSON, alone under its key: counted, not a duplicate.
        let op = "extract";
        let key = b.key();
        let a = b.attempt();
        let t = b.scattered_time();
        b.log(op, &key, &a, "COMPLETED", t, t + Duration::seconds(2));
        b.row(
            op,
            Some(&key),
            &a,
            "ERROR: upstream timeout after 30000 ms".into(),
            t + Duration::seconds(2),
            vec![Tag::NonJson],
        );
    }

    // 1. Normal traffic fills the rest.
    let special = b.rows.len() as u64;
    for _ in special..rows.max(special) {
        let t = b.scattered_time();
        let retried = b.rng.random_range(0..100) < 3;
        b.normal(t, retried);
    }

    finish(b)
}

/// Orders rows by time, gives them ids as an autoincrement table would, and turns
/// the tags into the ground truth.
fn finish(mut b: Builder) -> Incident {
    // The rows are put in time order in place, through the order of their
    // positions, so that memory never holds them twice.
    let mut order: Vec<u32> = (0..b.rows.len() as u32).collect();
    {
        let rows = &b.rows;
        let at = |i: &u32| {
            let r = &rows[*i as usize];
            (r.created_at, &r.attempt_id)
        };
        order.sort_by(|x, y| at(x).cmp(&at(y)));
    }
    let mut placed = vec![false; order.len()];
    for start in 0..order.len() {
        let mut i = start;
        while !placed[i] {
            placed[i] = true;
            let from = order[i] as usize;
            if from == start {
                break;
            }
            b.rows.swap(i, from);
            i = from;
        }
    }
    drop(placed);
    let mut position = vec![0u32; order.len()];
    for (i, &from) in order.iter().enumerate() {
        position[from as usize] = i as u32;
    }
    drop(order);
    b.log
        .sort_by(|x, y| (x.created_at, &x.attempt_id).cmp(&(y.created_at, &y.attempt_id)));
    for (i, row) in b.rows.iter_mut().enumerate() {
        row.id = i as i64 + 1;
    }
    let mut groups: BTreeMap<Tag, Vec<i64>> = BTreeMap::new();
    let mut window: Vec<DateTime<Utc>> = Vec::new();
    let t = &mut b.truth;
    let mut tags = std::mem::take(&mut b.tags);
    for (at, _) in &mut tags {
        *at = position[*at as usize];
    }
    tags.sort();
    for (at, tag) in tags {
        let row = &b.rows[at as usize];
        match tag {
            Tag::Exact(_) | Tag::Conflict(_) | Tag::CrossKey(_) => {
                groups.entry(tag).or_default().push(row.id)
            }
            Tag::LateWrite => t.late_write.push(row.id),
            Tag::Orphan => t.orphan_result.push(row.id),
            Tag::NullKey => t.null_key.push(row.id),
            Tag::NonJson => t.non_json.push(row.id),
            Tag::WindowSurplus => window.push(row.created_at),
        }
    }
    for (tag, ids) in groups {
        match tag {
            Tag::Exact(_) => t.exact.push(ids),
            Tag::Conflict(_) => t.conflict.push(ids),
            Tag::CrossKey(_) => t.cross_key.push(ids),
            _ => unreachable!("only group tags are collected"),
        }
    }
    t.exact.sort();
    t.conflict.sort();
    t.cross_key.sort();
    t.multi_complete.sort();
    t.stale_processing.sort();
    t.missing_result.sort();
    t.window_start = window.iter().min().copied().unwrap_or_default();
    t.window_end = window.iter().max().copied().unwrap_or_default();
    t.window_surplus_rows = window.len() as u64;
    Incident {
        results: b.rows,
        log: b.log,
        truth: b.truth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic() {
        let a = generate(7, 1_000);
        let b = generate(7, 1_000);
        assert_eq!(a.results, b.results);
        assert_eq!(a.log, b.log);
        assert_eq!(a.truth, b.truth);
        assert_ne!(generate(8, 1_000).results, a.results);
    }

    #[test]
    fn sample_size_has_about_a_hundred_incident_duplicates() {
        let i = generate(42, 5_000);
        assert!(
            (4_900..=5_200).contains(&i.results.len()),
            "{}",
            i.results.len()
        );
        assert!((95..=110).contains(&i.truth.window_surplus_rows));
        assert!(
            i.truth.window_end - i.truth.window_start <= Duration::hours(3) + Duration::minutes(10)
        );
        for class in [
            i.truth.conflict.len(),
            i.truth.cross_key.len(),
            i.truth.multi_complete.len(),
            i.truth.stale_processing.len(),
            i.truth.orphan_result.len(),
            i.truth.missing_result.len(),
            i.truth.null_key.len(),
        ] {
            assert!(class >= 3);
        }
    }
}
