//! The scan: classify every key of a [`Dataset`] into the classes of DESIGN.md.
//!
//! In: a dataset (result rows and log entries, already read from a source), the spec
//! and the time staleness is judged against. Out: [`Findings`]. Pure: reads nothing,
//! writes nothing, so every source gets exactly the same semantics.
//!
//! Steps:
//! 1. Canonicalise every payload and look up each row's attempt in the log.
//! 2. Group rows by key; a key with several rows is `exact` when all canonical
//!    payloads are equal and `conflict` otherwise. NULL keys are never grouped.
//! 3. Group rows by canonical payload across keys: `cross-key`.
//! 4. Rows whose attempt is FAILED: `late-write`; rows with no log row: `orphan-result`.
//! 5. Log checks: `multi-complete`, `stale-processing`, `missing-result`.
//! 6. Totals, per-class summary and the time window where duplicates concentrate.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::{HashMap, HashMapExt, HashSet};
use rayon::prelude::*;

use chrono::{DateTime, Duration, Utc};

use crate::canonical::{Canonicalizer, PayloadHash};
use crate::classes::{self, registry, Context, CountedAll, Payloads};
use crate::findings::{
    Class, ClassSummary, Finding, Findings, Scope, SoleDifference, Totals, Window,
    SOLE_DIFFERENCES_LISTED,
};
use crate::model::{Counts, Dataset, Key, LogEntry, ResultRow};
use crate::spec::{AuditSpec, Status, TimeWindow};
pub use crate::vocab::{fmt_time, human};

/// Gaps longer than this between consecutive duplicates split them into separate
/// bursts when looking for the window where they concentrate.
const BURST_GAP: Duration = Duration::hours(1);

/// The fewest surplus rows a burst holds to be a window: one or two rows apart from
/// the rest are no concentration.
const BURST_MIN_ROWS: usize = 3;

pub use crate::findings::NON_JSON_LISTED;

/// The order in which findings are reported: by class, key, first row, first attempt.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.par_sort_by(|a, b| {
        (
            a.class,
            &a.key,
            a.rows.first().map(|r| &r.pk),
            a.attempts.first().map(|e| &e.attempt),
        )
            .cmp(&(
                b.class,
                &b.key,
                b.rows.first().map(|r| &r.pk),
                b.attempts.first().map(|e| &e.attempt),
            ))
    });
}

/// Per-class totals of `findings`, one entry per checked class. Log-side classes
/// count log rows, the others result rows.
pub fn summarize(checks: &BTreeSet<Class>, findings: &[Finding]) -> BTreeMap<Class, ClassSummary> {
    let mut summary: BTreeMap<Class, ClassSummary> = checks
        .iter()
        .map(|&c| (c, ClassSummary::default()))
        .collect();
    for f in findings {
        let s = summary.entry(f.class).or_default();
        s.groups += 1;
        s.rows += classes::check(f.class).rows(f);
        s.surplus_rows += f.surplus_rows;
    }
    summary
}

/// Runs every check over `data`.
pub fn scan(data: &Dataset, spec: &AuditSpec, as_of: DateTime<Utc>) -> Findings {
    let cut;
    let data = match cut_to_window(data, spec) {
        Some(c) => {
            cut = c;
            &cut
        }
        None => data,
    };
    let examined = examine(data, spec, as_of, Payloads::Every);
    let mut tally = Accumulator::new(spec);
    tally.add(data, &examined, |i| i);
    let mut findings = tally.finish(spec, as_of, data);
    let mut all = examined.findings;
    all.append(&mut findings.findings);
    sort_findings(&mut all);
    findings.findings = all;
    findings
}

/// The keys of `data` that have a finding, for a source that reads those keys again
/// to scan them with the rest (a log kept in Redis, a batch at a time): the findings
/// only, without totals, and only the payloads the checks compare canonicalized.
pub fn keys_with_findings(data: &Dataset, spec: &AuditSpec, as_of: DateTime<Utc>) -> Vec<Key> {
    let cut;
    let data = match cut_to_window(data, spec) {
        Some(c) => {
            cut = c;
            &cut
        }
        None => data,
    };
    let examined = examine(data, spec, as_of, Payloads::Compared);
    examined
        .findings
        .into_iter()
        .filter_map(|f| f.key)
        .collect()
}

/// Runs every check over `data` one part at a time, each part the rows and log rows
/// of about `keys_per_part` keys (the NULL-key rows are a part of their own), and
/// hands each part's findings to `each`, in report order: a class's findings come
/// in key order across the parts, so appending each part's findings of a class to
/// what came before keeps that class in report order. A part's rows are dropped as
/// soon as it is scanned. Returns the findings without their list, which `each`
/// received; totals, summary and window are those [`scan`] gives.
///
/// Cross-key groups span keys, so a scan that checks them is not split: `data` is
/// then scanned as one part.
pub fn scan_parts<E>(
    data: Dataset,
    spec: &AuditSpec,
    as_of: DateTime<Utc>,
    keys_per_part: usize,
    each: impl FnMut(Vec<Finding>) -> Result<(), E>,
) -> Result<Findings, E> {
    let data = match cut_to_window(&data, spec) {
        Some(cut) => cut,
        None => data,
    };
    let (shape, parts) = match spec.scan.checks().contains(&Class::CrossKey) {
        true => {
            let n = data.results.len();
            (data.clone_shape(), vec![(data, (0..n).collect())])
        }
        false => split(data, keys_per_part.max(1)),
    };
    scan_each(&shape, parts.into_iter().map(Ok), spec, as_of, each)
}

/// Runs every check over `parts`, which hold whole keys, in key order, after the
/// NULL-key rows: each with the positions its result rows have in the order of the
/// source's rows. Hands each part's findings to `each`, as [`scan_parts`] does.
/// `shape` holds what the source counted, when it handed over only part of its rows.
pub fn scan_each<E>(
    shape: &Dataset,
    parts: impl IntoIterator<Item = Result<(Dataset, Vec<usize>), E>>,
    spec: &AuditSpec,
    as_of: DateTime<Utc>,
    mut each: impl FnMut(Vec<Finding>) -> Result<(), E>,
) -> Result<Findings, E> {
    let mut scan = PartScan::new(spec, as_of);
    for part in parts {
        let (part, origin) = part?;
        each(scan.part(part, &origin))?;
    }
    let mut findings = scan.finish(shape);
    if !findings.findings.is_empty() {
        each(std::mem::take(&mut findings.findings))?;
    }
    Ok(findings)
}

/// Findings handed over part by part ([`scan_each`]) put back together as a report
/// lists them: class by class, each class's findings in the order their parts came,
/// which is key order.
#[derive(Debug, Default)]
pub struct ByClass(BTreeMap<Class, Vec<Finding>>);

impl ByClass {
    /// Takes one part's findings, in report order.
    pub fn add(&mut self, part: Vec<Finding>) {
        for f in part {
            self.0.entry(f.class).or_default().push(f);
        }
    }

    /// Every finding taken, in report order.
    pub fn into_list(self) -> Vec<Finding> {
        self.0.into_values().flatten().collect()
    }
}

/// A scan taking its parts as they come (see [`scan_each`]).
pub struct PartScan<'a> {
    spec: &'a AuditSpec,
    as_of: DateTime<Utc>,
    tally: Accumulator,
}

impl<'a> PartScan<'a> {
    pub fn new(spec: &'a AuditSpec, as_of: DateTime<Utc>) -> PartScan<'a> {
        PartScan {
            spec,
            as_of,
            tally: Accumulator::new(spec),
        }
    }

    /// The findings of one part, whole keys whose result row `i` was row `origin[i]`
    /// of the source, in report order; the part is dropped.
    pub fn part(&mut self, part: Dataset, origin: &[usize]) -> Vec<Finding> {
        let examined = examine(&part, self.spec, self.as_of, Payloads::Every);
        self.tally.add(&part, &examined, |i| origin[i]);
        examined.findings
    }

    /// The findings of every part, without their list but for the findings that
    /// belong to no part (unknown statuses), which the caller adds to the parts'.
    /// `shape` holds what the source counted, when it handed over only part of
    /// its rows.
    pub fn finish(self, shape: &Dataset) -> Findings {
        self.tally.finish(self.spec, self.as_of, shape)
    }
}

/// A complete dataset scanned over a window, cut down here as a database cuts it
/// down in SQL, so that both give the same findings; `None` when there is nothing
/// to cut.
fn cut_to_window(data: &Dataset, spec: &AuditSpec) -> Option<Dataset> {
    match (spec.scan.window, &data.counts) {
        (Some(w), None) => Some(restrict_to_window(data, w)),
        _ => None,
    }
}

/// Where each key's rows go: the first key of each part after the NULL-key one.
struct Parting {
    bounds: Vec<Key>,
}

impl Parting {
    /// Parts of about `keys_per_part` of `keys` each, in key order.
    fn new<'a>(keys: impl Iterator<Item = &'a Key>, keys_per_part: usize) -> Parting {
        let mut keys: Vec<&Key> = keys.collect();
        keys.sort_unstable();
        keys.dedup();
        Parting {
            bounds: keys
                .iter()
                .step_by(keys_per_part.max(1))
                .map(|&k| k.clone())
                .collect(),
        }
    }

    /// How many parts there are, the NULL-key one included.
    fn count(&self) -> usize {
        self.bounds.len() + 1
    }

    /// The part of a row with this key.
    fn part_of(&self, key: &Option<Key>) -> usize {
        match key {
            None => 0,
            Some(k) => self.bounds.partition_point(|b| b <= k),
        }
    }
}

/// `data` in parts of about `keys_per_part` keys each, in key order, after a part of
/// the NULL-key rows and log rows; each part with the positions its result rows had
/// in `data`. Returns also `data` without its rows, which holds what the parts share.
fn split(data: Dataset, keys_per_part: usize) -> (Dataset, Vec<(Dataset, Vec<usize>)>) {
    let parting = Parting::new(
        data.results
            .iter()
            .filter_map(|r| r.key.as_ref())
            .chain(data.log.iter().filter_map(|e| e.key.as_ref())),
        keys_per_part,
    );
    let shape = data.clone_shape();
    let Dataset { results, log, .. } = data;
    let mut parts: Vec<(Dataset, Vec<usize>)> = (0..parting.count())
        .map(|_| {
            let part = Dataset {
                counts: None,
                ..shape.clone_shape()
            };
            (part, Vec::new())
        })
        .collect();
    for (i, row) in results.into_iter().enumerate() {
        let (part, origin) = &mut parts[parting.part_of(&row.key)];
        part.results.push(row);
        origin.push(i);
    }
    for entry in log {
        parts[parting.part_of(&entry.key)].0.log.push(entry);
    }
    (shape, parts)
}

/// What [`examine`] found in one dataset (or part of one).
struct Examined {
    /// In report order, checked classes only.
    findings: Vec<Finding>,
    /// The surplus rows of the duplicated keys that have a timestamp.
    surplus: Vec<Surplus>,
    /// When each late write (a row of an attempt the log marks FAILED) with a
    /// timestamp was written: every one of a duplicated key, and every one when
    /// late-write is checked, as every source reads those rows.
    late: Vec<DateTime<Utc>>,
    /// Positions of the rows whose JSON payload does not parse.
    non_json: Vec<usize>,
    /// Distinct keys among the result rows.
    keys: u64,
}

/// A surplus row of a duplicated key, as the window of concentration needs it.
struct Surplus {
    at: DateTime<Utc>,
    late: bool,
    /// The first key column's value, when the key has several.
    scope: Option<String>,
}

/// Every check over `data`, which holds whole keys: every row and log row of a key
/// it holds.
fn examine(data: &Dataset, spec: &AuditSpec, as_of: DateTime<Utc>, payloads: Payloads) -> Examined {
    // Findings are built only for the checked classes: on a large table the others
    // (every late write, for one) would cost as much memory as the ones reported.
    let checks = spec.scan.checks();
    let cx = Context::new(data, spec, as_of, &checks, payloads);
    let duplicated = cx.duplicated();
    let duplicates = checks.contains(&Class::Exact) || checks.contains(&Class::Conflict);
    let failed = |i: usize| cx.attempts[i].map(|e| e.status) == Some(Status::Failed);
    let surplus: Vec<Surplus> = duplicated
        .iter()
        .filter(|_| duplicates)
        .flat_map(|(_, rows)| rows[1..].iter())
        .filter_map(|&i| {
            let r = &data.results[i];
            Some(Surplus {
                at: r.written_at?,
                late: failed(i),
                scope: match spec.results.key.len() > 1 {
                    true => r.key.as_ref().map(|k| k[0].clone()),
                    false => None,
                },
            })
        })
        .collect();
    let late: Vec<DateTime<Utc>> = match duplicates {
        false => Vec::new(),
        true => data
            .results
            .iter()
            .enumerate()
            .filter(|&(i, _)| failed(i))
            .filter(|(_, r)| {
                checks.contains(&Class::LateWrite)
                    || r.key
                        .as_ref()
                        .is_some_and(|k| cx.by_key.get(k).is_some_and(|rows| rows.len() > 1))
            })
            .filter_map(|(_, r)| r.written_at)
            .collect(),
    };
    let mut findings: Vec<Finding> = registry()
        .into_iter()
        .filter(|c| checks.contains(&c.class()))
        .flat_map(|c| c.findings(&cx))
        .collect();
    sort_findings(&mut findings);
    Examined {
        findings,
        surplus,
        late,
        non_json: (0..cx.non_json.len()).filter(|&i| cx.non_json[i]).collect(),
        keys: cx.by_key.len() as u64,
    }
}

/// What the parts of a scan add up to: step 6, totals, summary and window.
struct Accumulator {
    checks: BTreeSet<Class>,
    summary: BTreeMap<Class, ClassSummary>,
    /// Every surplus row with a timestamp: 16 bytes each.
    surplus: Vec<Mark>,
    /// The scopes of those rows, each once; a mark names one by position.
    scopes: Vec<String>,
    /// When each late write of [`Examined::late`] was written, in nanoseconds.
    late: Vec<i128>,
    scope_ids: HashMap<String, u32>,
    result_rows: u64,
    log_rows: u64,
    keys: u64,
    null_key_rows: u64,
    /// Log rows of each status value the spec does not map.
    unknown: BTreeMap<String, u64>,
    /// Non-JSON payloads: how many, and the first listed, by position in the
    /// dataset; all of them, and those of NULL-key rows.
    non_json: (u64, BTreeMap<usize, Vec<String>>),
    null_non_json: (u64, BTreeMap<usize, Vec<String>>),
    /// Conflicts told apart by one JSON field only, by (column, field).
    sole_differences: BTreeMap<(String, String), u64>,
}

impl Accumulator {
    fn new(spec: &AuditSpec) -> Accumulator {
        let checks = spec.scan.checks();
        Accumulator {
            summary: summarize(&checks, &[]),
            checks,
            surplus: Vec::new(),
            scopes: Vec::new(),
            late: Vec::new(),
            scope_ids: HashMap::new(),
            result_rows: 0,
            log_rows: 0,
            keys: 0,
            null_key_rows: 0,
            unknown: BTreeMap::new(),
            non_json: Default::default(),
            null_non_json: Default::default(),
            sole_differences: BTreeMap::new(),
        }
    }

    /// Adds what [`examine`] found in `data`, whose result row `i` was row
    /// `origin(i)` of the whole dataset.
    fn add(&mut self, data: &Dataset, e: &Examined, origin: impl Fn(usize) -> usize) {
        for (class, s) in summarize(&self.checks, &e.findings) {
            let sum = self.summary.entry(class).or_default();
            sum.groups += s.groups;
            sum.rows += s.rows;
            sum.surplus_rows += s.surplus_rows;
        }
        for s in &e.surplus {
            let scope = match &s.scope {
                None => 0,
                Some(v) => match self.scope_ids.get(v) {
                    Some(&id) => id,
                    None => {
                        self.scopes.push(v.clone());
                        let id = self.scopes.len() as u32;
                        self.scope_ids.insert(v.clone(), id);
                        id
                    }
                },
            };
            self.surplus.push(Mark {
                secs: s.at.timestamp(),
                nanos: s.at.timestamp_subsec_nanos(),
                tag: scope | (s.late as u32) << 31,
            });
        }
        self.late.extend(
            e.late.iter().map(|t| {
                t.timestamp() as i128 * 1_000_000_000 + t.timestamp_subsec_nanos() as i128
            }),
        );
        for f in &e.findings {
            if let Some(field) = sole_difference(data, f) {
                *self.sole_differences.entry(field).or_default() += 1;
            }
        }
        self.result_rows += data.results.len() as u64;
        self.log_rows += data.log.len() as u64;
        self.keys += e.keys;
        self.null_key_rows += data.results.iter().filter(|r| r.key.is_none()).count() as u64;
        for e in data
            .log
            .iter()
            .filter(|e| e.status == Status::Unknown && e.judged())
        {
            *self.unknown.entry(unknown_value(e)).or_default() += 1;
        }
        for &i in &e.non_json {
            let row = &data.results[i];
            let lists = match row.key {
                None => vec![&mut self.non_json, &mut self.null_non_json],
                Some(_) => vec![&mut self.non_json],
            };
            for (n, listed) in lists {
                *n += 1;
                listed.insert(origin(i), row.pk.clone());
                if listed.len() > NON_JSON_LISTED {
                    listed.pop_last();
                }
            }
        }
    }

    /// The findings of the whole scan, their list holding only the findings that
    /// belong to no part: one unknown-status finding per status value the spec does
    /// not map. `data` says what the source counted, when it handed over only part
    /// of its rows.
    fn finish(mut self, spec: &AuditSpec, as_of: DateTime<Utc>, data: &Dataset) -> Findings {
        let listed =
            |l: BTreeMap<usize, Vec<String>>| -> Vec<Vec<String>> { l.into_values().collect() };
        // The log is counted only when a class checked reads it as a whole, whatever
        // the source happened to read.
        let log_counted = classes::needs(&self.checks).whole_log;
        let unknown: Option<Vec<(String, u64)>> = match &data.counts {
            None => Some(std::mem::take(&mut self.unknown).into_iter().collect()),
            Some(c) => c.unknown_statuses.clone(),
        }
        .filter(|_| log_counted);
        let unknown_statuses = unknown.as_ref().map(|u| u.iter().map(|(_, n)| n).sum());
        let (totals, non_json_rows) = match &data.counts {
            None => (
                Totals {
                    result_rows: self.result_rows,
                    log_rows: log_counted.then_some(self.log_rows),
                    keys: self.keys,
                    null_key_rows: self.null_key_rows,
                    non_json_payloads: self.non_json.0,
                    unknown_statuses,
                },
                listed(self.non_json.1),
            ),
            // The source handed over only part of its rows and counted the whole.
            Some(c) => {
                let (non_json_payloads, non_json_rows) = match &c.non_json_payloads {
                    // The source parsed every keyed payload; the NULL-key rows it
                    // handed over are counted here.
                    Some((n, rows)) => {
                        let mut rows = rows.clone();
                        rows.extend(listed(self.null_non_json.1));
                        rows.truncate(NON_JSON_LISTED);
                        (n + self.null_non_json.0, rows)
                    }
                    None => (self.non_json.0, listed(self.non_json.1)),
                };
                (
                    Totals {
                        result_rows: c.result_rows,
                        log_rows: c.log_rows.filter(|_| log_counted),
                        keys: c.keys,
                        null_key_rows: c.null_key_rows,
                        non_json_payloads,
                        unknown_statuses,
                    },
                    non_json_rows,
                )
            }
        };
        // The findings of no part: from what the source counted over the whole of it.
        let counted = match &data.counts {
            Some(c) => c.clone(),
            None => Counts {
                unknown_statuses: unknown.clone(),
                ..Counts::default()
            },
        };
        let all = CountedAll {
            counts: &counted,
            spec,
        };
        let mut findings: Vec<Finding> = registry()
            .into_iter()
            .filter(|c| self.checks.contains(&c.class()))
            .flat_map(|c| c.counted(&all))
            .collect();
        for f in &findings {
            let s = self.summary.entry(f.class).or_default();
            s.groups += 1;
            s.rows += classes::check(f.class).rows(f);
        }
        sort_findings(&mut findings);
        let window = concentration(&mut self.surplus, &self.scopes).map(|mut w| {
            if let Some(s) = &mut w.scope {
                s.column = spec.results.key[0].clone();
            }
            let nanos = |t: DateTime<Utc>| {
                t.timestamp() as i128 * 1_000_000_000 + t.timestamp_subsec_nanos() as i128
            };
            let (start, end) = (nanos(w.start), nanos(w.end));
            w.late_writes = self
                .late
                .iter()
                .filter(|&&t| t >= start && t <= end)
                .count() as u64;
            w
        });
        Findings {
            as_of,
            key_columns: spec.results.key.clone(),
            primary_key: spec.results.primary_key.clone(),
            payload_columns: data.payload_columns.clone(),
            totals,
            checked: self.checks.into_iter().collect(),
            summary: self.summary,
            window,
            non_json_rows,
            sole_differences: most_sole_differences(self.sole_differences),
            findings,
            redis: data.counts.as_ref().and_then(|c| c.redis.clone()),
        }
    }
}

/// An unknown status as its finding names it: the value stored, `NULL` for none.
fn unknown_value(e: &LogEntry) -> String {
    match e.raw_status.is_empty() {
        true => "NULL".into(),
        false => e.raw_status.clone(),
    }
}

/// The JSON column and field that alone tell apart the two payloads of a conflict,
/// if that is what `f` is: its diff (of its two payloads) is one path inside one of
/// `data`'s JSON columns.
fn sole_difference(data: &Dataset, f: &Finding) -> Option<(String, String)> {
    let [only] = f.payload_diff.as_slice() else {
        return None;
    };
    if f.class != Class::Conflict {
        return None;
    }
    let mut payloads: Vec<PayloadHash> = f.rows.iter().map(|r| r.payload_hash).collect();
    payloads.sort_unstable();
    payloads.dedup();
    if payloads.len() != 2 {
        return None;
    }
    // The diff's paths start with the column's name; with two JSON columns whose
    // names share a prefix up to a dot, the longer name is the column.
    data.payload_columns
        .iter()
        .zip(&data.json_columns)
        .filter(|(_, &json)| json)
        .filter_map(|(column, _)| {
            let field = only.path.strip_prefix(column.as_str())?.strip_prefix('.')?;
            Some((column.clone(), field.to_string()))
        })
        .max_by_key(|(column, _)| column.len())
}

/// The fields of `counted` (conflicts by column and field), most conflicts first,
/// then by name; the first [`SOLE_DIFFERENCES_LISTED`].
fn most_sole_differences(counted: BTreeMap<(String, String), u64>) -> Vec<SoleDifference> {
    let mut list: Vec<SoleDifference> = counted
        .into_iter()
        .map(|((column, field), groups)| SoleDifference {
            column,
            field,
            groups,
        })
        .collect();
    // Stable: equal counts keep the map's order of column and field.
    list.sort_by_key(|d| std::cmp::Reverse(d.groups));
    list.truncate(SOLE_DIFFERENCES_LISTED);
    list
}

/// The part of a complete dataset a window scan audits: every row and log row of the
/// keys touched in the window (a row written, or a log row created or updated, in it),
/// and the NULL-key rows written in it; with the totals of the window.
fn restrict_to_window(data: &Dataset, w: TimeWindow) -> Dataset {
    let inside = |t: Option<DateTime<Utc>>| t.is_some_and(|t| w.contains(t));
    let touched: HashSet<&Key> = data
        .results
        .iter()
        .filter(|r| inside(r.written_at))
        .filter_map(|r| r.key.as_ref())
        .chain(
            data.log
                .iter()
                .filter(|e| inside(e.created_at) || inside(e.updated_at))
                .filter_map(|e| e.key.as_ref()),
        )
        .collect();
    let results: Vec<ResultRow> = data
        .results
        .iter()
        .filter(|r| match &r.key {
            Some(k) => touched.contains(k),
            None => inside(r.written_at),
        })
        .cloned()
        .collect();
    let canon = Canonicalizer::new(data.json_columns.clone(), &[]);
    let written: Vec<&ResultRow> = data
        .results
        .iter()
        .filter(|r| inside(r.written_at))
        .collect();
    let non_json: Vec<&&ResultRow> = written
        .iter()
        .filter(|r| r.key.is_some() && canon.canonicalize(&r.payload).non_json)
        .collect();
    let counts = Counts {
        result_rows: written.len() as u64,
        log_rows: Some(data.log.iter().filter(|e| inside(e.created_at)).count() as u64),
        keys: touched.len() as u64,
        null_key_rows: written.iter().filter(|r| r.key.is_none()).count() as u64,
        unknown_statuses: Some({
            let mut values: BTreeMap<String, u64> = BTreeMap::new();
            for e in data
                .log
                .iter()
                .filter(|e| e.status == Status::Unknown && e.judged())
            {
                *values.entry(unknown_value(e)).or_default() += 1;
            }
            values.into_iter().collect()
        }),
        non_json_payloads: Some((
            non_json.len() as u64,
            non_json
                .iter()
                .take(NON_JSON_LISTED)
                .map(|r| r.pk.clone())
                .collect(),
        )),
        malformed: Vec::new(),
        redis: None,
    };
    Dataset {
        payload_columns: data.payload_columns.clone(),
        json_columns: data.json_columns.clone(),
        log: data
            .log
            .iter()
            .filter(|e| e.key.as_ref().is_some_and(|k| touched.contains(k)))
            .cloned()
            .collect(),
        results,
        counts: Some(counts),
    }
}

/// A surplus row as the window of concentration needs it: when it was written, and
/// in `tag` whether it is a late write (the high bit) and its scope (the rest: a
/// position in the scan's list of scopes plus one, or 0 for none).
struct Mark {
    secs: i64,
    nanos: u32,
    tag: u32,
}

impl Mark {
    fn at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.secs, self.nanos).unwrap_or_default()
    }

    /// Nanoseconds since the epoch.
    fn ns(&self) -> i128 {
        self.secs as i128 * 1_000_000_000 + self.nanos as i128
    }
}

/// Finds the burst holding the most surplus rows. Consecutive surplus rows less than
/// [`BURST_GAP`] apart belong to one burst; `scopes` are those the marks name. The
/// rows concentrate in time when that burst holds at least [`BURST_MIN_ROWS`] of
/// them and at least half of all: otherwise (rows scattered an hour or more apart)
/// there is no window. Its late writes are counted by the caller.
fn concentration(times: &mut [Mark], scopes: &[String]) -> Option<Window> {
    if times.is_empty() {
        return None;
    }
    times.par_sort_unstable_by_key(|m| (m.secs, m.nanos));
    let gap = BURST_GAP.num_nanoseconds().unwrap_or(i64::MAX) as i128;
    let mut best = (0usize, 0usize);
    let mut start = 0;
    for i in 1..=times.len() {
        if i == times.len() || times[i].ns() - times[i - 1].ns() > gap {
            if i - start > best.1 - best.0 {
                best = (start, i);
            }
            start = i;
        }
    }
    let burst = &times[best.0..best.1];
    if burst.len() < BURST_MIN_ROWS || burst.len() * 2 < times.len() {
        return None;
    }
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for m in burst {
        let scope = (m.tag & !(1 << 31)) as usize;
        if scope > 0 {
            *counts.entry(&scopes[scope - 1]).or_default() += 1;
        }
    }
    let scope = counts
        .into_iter()
        .max_by_key(|(v, n)| (*n, std::cmp::Reverse(*v)))
        .map(|(value, rows)| Scope {
            column: String::new(),
            value: value.to_string(),
            rows,
        });
    Some(Window {
        start: burst[0].at(),
        end: burst[burst.len() - 1].at(),
        surplus_rows: burst.len() as u64,
        surplus_rows_total: times.len() as u64,
        scope,
        late_writes: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(min: i64) -> Option<DateTime<Utc>> {
        Some(Utc.with_ymd_and_hms(2026, 10, 14, 14, 0, 0).unwrap() + Duration::minutes(min))
    }

    fn row(pk: &str, key: Option<&str>, attempt: &str, min: i64, payload: &str) -> ResultRow {
        ResultRow {
            pk: vec![pk.into()],
            key: key.map(|k| vec![k.to_string()]),
            attempt: Some(attempt.into()),
            written_at: t(min),
            payload: vec![Some(payload.into())],
        }
    }

    fn entry(key: &str, attempt: &str, status: Status, min: i64) -> LogEntry {
        LogEntry {
            record: None,
            key: Some(vec![key.into()]),
            attempt: Some(attempt.into()),
            status,
            raw_status: status.to_string(),
            created_at: t(min),
            updated_at: t(min + 1),
        }
    }

    /// A complete dataset of one JSON payload column.
    fn dataset(results: Vec<ResultRow>, log: Vec<LogEntry>) -> Dataset {
        Dataset {
            payload_columns: vec!["payload".into()],
            json_columns: vec![true],
            results,
            log,
            counts: None,
        }
    }

    fn run(results: Vec<ResultRow>, log: Vec<LogEntry>) -> Findings {
        let mut spec = AuditSpec::default();
        spec.results.ignore_fields = vec!["latency_ms".into()];
        scan(&dataset(results, log), &spec, t(600).unwrap())
    }

    fn classes(f: &Findings) -> Vec<Class> {
        f.findings.iter().map(|f| f.class).collect()
    }

    #[test]
    fn the_keys_with_findings_are_the_full_scans_with_only_compared_payloads_hashed() {
        let results = vec![
            row("1", Some("dup"), "a1", 0, r#"{"v":1}"#),
            row("2", Some("dup"), "a1", 1, r#"{ "v" : 1 }"#),
            row("3", Some("conflict"), "a2", 0, r#"{"v":1}"#),
            row("4", Some("conflict"), "a3", 1, r#"{"v":2}"#),
            row("5", Some("late"), "a4", 0, r#"{"v":3}"#),
            row("6", Some("orphan"), "a5", 0, "not json"),
            row("7", Some("fine"), "a6", 0, r#"{"v":4}"#),
        ];
        let log = vec![
            entry("dup", "a1", Status::Completed, 0),
            entry("conflict", "a2", Status::Completed, 0),
            entry("conflict", "a3", Status::Completed, 0),
            entry("late", "a4", Status::Failed, 0),
            entry("fine", "a6", Status::Completed, 0),
        ];
        let data = dataset(results, log);
        let mut spec = AuditSpec::default();
        spec.results.ignore_fields = vec!["latency_ms".into()];
        // As a log in Redis checks a batch: cross-key compares every payload.
        let batch = spec
            .scan
            .checks()
            .into_iter()
            .filter(|c| *c != Class::CrossKey);
        let spec = spec.with_checks(batch.collect(), false);
        let full = scan(&data, &spec, t(600).unwrap());
        let mut expected: Vec<Key> = full.findings.iter().filter_map(|f| f.key.clone()).collect();
        let mut found = keys_with_findings(&data, &spec, t(600).unwrap());
        expected.sort();
        found.sort();
        assert_eq!(found, expected);
        assert!(
            found.contains(&vec!["late".to_string()])
                && found.contains(&vec!["orphan".to_string()])
        );
        // The rows of a finding carry their payload's hash, computed when asked for.
        let checks = spec.scan.checks();
        let every = Context::new(&data, &spec, t(600).unwrap(), &checks, Payloads::Every);
        let compared = Context::new(&data, &spec, t(600).unwrap(), &checks, Payloads::Compared);
        for i in 0..data.results.len() {
            assert_eq!(
                every.row_ref(i).payload_hash,
                compared.row_ref(i).payload_hash
            );
        }
        assert_eq!(
            every.non_json,
            [false, false, false, false, false, true, false]
        );
        assert_eq!(compared.non_json, [false; 7]);
    }

    #[test]
    fn same_key_same_payload_is_one_exact_group_with_one_surplus_row() {
        let f = run(
            vec![
                row("1", Some("k"), "a1", 0, r#"{"v":1}"#),
                row("2", Some("k"), "a1", 1, r#"{ "v" : 1 }"#),
            ],
            vec![entry("k", "a1", Status::Completed, 0)],
        );
        assert_eq!(classes(&f), [Class::Exact]);
        assert_eq!(
            f.summary_of(Class::Exact),
            ClassSummary {
                groups: 1,
                rows: 2,
                surplus_rows: 1
            }
        );
    }

    #[test]
    fn same_key_different_payload_is_a_conflict_with_a_diff() {
        let f = run(
            vec![
                row("1", Some("k"), "a1", 0, r#"{"s":"A"}"#),
                row("2", Some("k"), "a2", 1, r#"{"s":"B"}"#),
            ],
            vec![
                entry("k", "a1", Status::Completed, 0),
                entry("k", "a2", Status::Completed, 0),
            ],
        );
        let c: Vec<&Finding> = f.of(Class::Conflict).collect();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].payload_diff[0].path, "payload.s");
        assert_eq!(f.summary_of(Class::Exact).groups, 0);
    }

    #[test]
    fn a_field_that_alone_tells_two_payloads_apart_is_counted_by_its_path() {
        let rows = vec![
            // one nested field differs: counted under its dotted path
            row("1", Some("a"), "a1", 0, r#"{"v":1,"meta":{"took":3}}"#),
            row("2", Some("a"), "a1", 1, r#"{"v":1,"meta":{"took":5}}"#),
            row("3", Some("b"), "a2", 2, r#"{"v":2,"meta":{"took":4}}"#),
            row("4", Some("b"), "a2", 3, r#"{"meta":{"took":9},"v":2}"#),
            // present in one payload only: still that field alone
            row("5", Some("c"), "a3", 4, r#"{"v":3,"meta":{"took":1}}"#),
            row("6", Some("c"), "a3", 5, r#"{"v":3,"meta":{}}"#),
            // two fields differ: not counted
            row("7", Some("d"), "a4", 6, r#"{"v":4,"meta":{"took":1}}"#),
            row("8", Some("d"), "a4", 7, r#"{"v":5,"meta":{"took":2}}"#),
            // three payloads: the first two differ in one field, the third in another
            row("9", Some("e"), "a5", 8, r#"{"v":6,"meta":{"took":1}}"#),
            row("10", Some("e"), "a5", 9, r#"{"v":6,"meta":{"took":2}}"#),
            row("11", Some("e"), "a5", 10, r#"{"v":7,"meta":{"took":1}}"#),
            // one other field alone
            row("12", Some("f"), "a6", 11, r#"{"v":8,"meta":{"took":1}}"#),
            row("13", Some("f"), "a6", 12, r#"{"v":9,"meta":{"took":1}}"#),
        ];
        let log = ["a1", "a2", "a3", "a4", "a5", "a6"]
            .into_iter()
            .zip(["a", "b", "c", "d", "e", "f"])
            .map(|(a, k)| entry(k, a, Status::Completed, 0))
            .collect();
        let f = run(rows, log);
        assert_eq!(f.summary_of(Class::Conflict).groups, 6);
        let listed: Vec<(&str, &str, u64)> = f
            .sole_differences
            .iter()
            .map(|d| (d.column.as_str(), d.field.as_str(), d.groups))
            .collect();
        assert_eq!(
            listed,
            [("payload", "meta.took", 3), ("payload", "v", 1)],
            "{:#?}",
            f.findings
        );
    }

    #[test]
    fn an_ignored_field_is_never_a_sole_difference() {
        let f = run(
            vec![
                row("1", Some("k"), "a1", 0, r#"{"v":1,"latency_ms":30}"#),
                row("2", Some("k"), "a1", 1, r#"{"v":2,"latency_ms":9000}"#),
            ],
            vec![entry("k", "a1", Status::Completed, 0)],
        );
        let fields: Vec<&str> = f
            .sole_differences
            .iter()
            .map(|d| d.field.as_str())
            .collect();
        assert_eq!(fields, ["v"]);
    }

    #[test]
    fn volatile_field_difference_is_still_exact() {
        let f = run(
            vec![
                row("1", Some("k"), "a1", 0, r#"{"v":1,"latency_ms":30}"#),
                row("2", Some("k"), "a1", 1, r#"{"latency_ms":9000,"v":1}"#),
            ],
            vec![entry("k", "a1", Status::Completed, 0)],
        );
        assert_eq!(classes(&f), [Class::Exact]);
    }

    #[test]
    fn same_payload_under_two_keys_is_cross_key_and_nothing_else() {
        let f = run(
            vec![
                row("1", Some("k1"), "a1", 0, r#"{"v":1}"#),
                row("2", Some("k2"), "a1", 1, r#"{"v":1}"#),
            ],
            vec![
                entry("k1", "a1", Status::Completed, 0),
                entry("k2", "a1", Status::Completed, 0),
            ],
        );
        assert_eq!(classes(&f), [Class::CrossKey]);
        assert_eq!(f.summary_of(Class::CrossKey).surplus_rows, 1);
    }

    #[test]
    fn cross_key_is_skipped_when_the_spec_turns_it_off() {
        let mut spec = AuditSpec::default();
        spec.scan.cross_key = false;
        let data = Dataset {
            payload_columns: vec!["payload".into()],
            json_columns: vec![true],
            results: vec![
                row("1", Some("k1"), "a1", 0, "{}"),
                row("2", Some("k2"), "a1", 1, "{}"),
            ],
            log: vec![
                entry("k1", "a1", Status::Completed, 0),
                entry("k2", "a1", Status::Completed, 0),
            ],
            counts: None,
        };
        assert!(scan(&data, &spec, t(60).unwrap()).findings.is_empty());
    }

    #[test]
    fn row_of_a_failed_attempt_is_a_late_write_and_its_copy_is_exact() {
        let f = run(
            vec![
                row("1", Some("k"), "a2", 2, r#"{"v":1}"#),
                row("2", Some("k"), "a1", 3, r#"{"v":1}"#),
            ],
            vec![
                entry("k", "a1", Status::Failed, 0),
                entry("k", "a2", Status::Completed, 1),
            ],
        );
        assert_eq!(classes(&f), [Class::Exact, Class::LateWrite]);
        let late = f.of(Class::LateWrite).next().unwrap();
        assert_eq!(late.rows[0].pk, ["2"]);
        assert_eq!(late.surplus_rows, 1);
        assert!(
            late.note.contains("after it was marked FAILED"),
            "{}",
            late.note
        );
        assert_eq!(f.window, None, "one surplus row is no burst");
    }

    #[test]
    fn a_lone_row_of_a_failed_attempt_is_a_late_write_but_not_surplus() {
        let f = run(
            vec![row("1", Some("k"), "a1", 3, "{}")],
            vec![entry("k", "a1", Status::Failed, 0)],
        );
        assert_eq!(classes(&f), [Class::LateWrite]);
        assert_eq!(f.summary_of(Class::LateWrite).surplus_rows, 0);
    }

    #[test]
    fn two_completed_attempts_are_multi_complete() {
        let f = run(
            vec![
                row("1", Some("k"), "a1", 0, r#"{"v":1}"#),
                row("2", Some("k"), "a2", 1, r#"{"v":2}"#),
            ],
            vec![
                entry("k", "a1", Status::Completed, 0),
                entry("k", "a2", Status::Completed, 1),
            ],
        );
        assert_eq!(classes(&f), [Class::Conflict, Class::MultiComplete]);
        assert_eq!(f.summary_of(Class::MultiComplete).rows, 2);
    }

    #[test]
    fn processing_older_than_the_lease_is_stale_and_recent_processing_is_not() {
        // as_of is t(600); the default lease is 15 minutes.
        let f = run(
            Vec::new(),
            vec![
                entry("old", "a1", Status::Processing, 0),
                entry("new", "a1", Status::Processing, 590),
            ],
        );
        let stale: Vec<_> = f
            .of(Class::StaleProcessing)
            .map(|f| f.key.clone().unwrap())
            .collect();
        assert_eq!(stale, [vec!["old".to_string()]]);
    }

    #[test]
    fn result_without_log_row_is_an_orphan() {
        let f = run(
            vec![row("1", Some("k"), "a9", 0, "{}")],
            vec![entry("k", "a1", Status::Failed, 0)],
        );
        let o = f.of(Class::OrphanResult).next().unwrap();
        assert!(o.note.contains("attempt a9"), "{}", o.note);
    }

    #[test]
    fn completed_attempt_without_result_is_missing_result() {
        let f = run(Vec::new(), vec![entry("k", "a1", Status::Completed, 0)]);
        assert_eq!(classes(&f), [Class::MissingResult]);
    }

    #[test]
    fn null_keys_are_counted_and_never_grouped_together() {
        let f = run(
            vec![row("1", None, "a1", 0, "{}"), row("2", None, "a1", 1, "{}")],
            Vec::new(),
        );
        assert_eq!(classes(&f), [Class::NullKey, Class::NullKey]);
        assert_eq!(f.totals.null_key_rows, 2);
        assert_eq!(f.totals.keys, 0);
    }

    #[test]
    fn non_json_payloads_are_compared_as_text_and_counted() {
        let f = run(
            vec![
                row("1", Some("k"), "a1", 0, "timeout"),
                row("2", Some("k"), "a1", 1, "timeout"),
            ],
            vec![entry("k", "a1", Status::Completed, 0)],
        );
        assert_eq!(classes(&f), [Class::Exact]);
        assert_eq!(f.totals.non_json_payloads, 2);
        assert_eq!(
            f.non_json_rows,
            [vec!["1".to_string()], vec!["2".to_string()]]
        );
    }

    #[test]
    fn a_complete_dataset_scanned_in_parts_gives_the_whole_scan() {
        // Keys k0..k19, each with 1 to 3 rows (some payloads not JSON, some
        // written by FAILED attempts, some with no log row), NULL-key rows, log-only
        // keys: every class but cross-key, and the totals the scan counts itself.
        let mut results = Vec::new();
        let mut log = Vec::new();
        for k in 0..20 {
            let key = format!("k{k:02}");
            for n in 0..=(k % 3) {
                let payload = match (k + n) % 4 {
                    0 => "not json".to_string(),
                    1 => format!(r#"{{"v": {k}, "latency_ms": {n}}}"#),
                    _ => format!(r#"{{"v": {}}}"#, k * 10 + n),
                };
                let pk = format!("{}", results.len() + 1);
                let attempt = format!("a{n}");
                results.push(row(
                    &pk,
                    Some(&key),
                    &attempt,
                    (k * 7 + n * 3) as i64,
                    &payload,
                ));
                if (k + n) % 5 != 4 {
                    let status = [Status::Completed, Status::Failed, Status::Processing][n % 3];
                    log.push(entry(&key, &attempt, status, (k * 7) as i64));
                }
            }
            if k % 6 == 0 {
                results.push(row(&format!("n{k}"), None, "a0", k as i64, "also not json"));
                log.push(entry(
                    &format!("log-only-{k}"),
                    "a0",
                    Status::Completed,
                    k as i64,
                ));
            }
        }
        let mut spec = AuditSpec::default();
        spec.results.ignore_fields = vec!["latency_ms".into()];
        spec.scan.cross_key = false;
        let data = dataset(results, log);
        let as_of = t(600).unwrap();
        let whole = scan(&data, &spec, as_of);
        let found: BTreeSet<Class> = whole.findings.iter().map(|f| f.class).collect();
        assert!(found.len() >= 6, "{found:?}");
        assert!(whole.totals.non_json_payloads > 3 && whole.totals.null_key_rows > 1);
        for keys_per_part in [1, 3, 1000] {
            let mut by_class: BTreeMap<Class, Vec<Finding>> = BTreeMap::new();
            let mut parts = scan_parts(data.clone(), &spec, as_of, keys_per_part, |part| {
                for f in part {
                    by_class.entry(f.class).or_default().push(f);
                }
                Ok::<_, ()>(())
            })
            .unwrap();
            parts.findings = by_class.into_values().flatten().collect();
            assert_eq!(parts, whole, "{keys_per_part} keys a part");
        }
    }

    #[test]
    fn durations_are_shown_in_their_two_largest_units() {
        assert_eq!(human(Duration::seconds(12)), "12s");
        assert_eq!(human(Duration::seconds(154)), "2m 34s");
        assert_eq!(human(Duration::minutes(172)), "2h 52m");
        assert_eq!(human(Duration::hours(1041)), "43d 9h");
    }

    #[test]
    fn every_late_write_in_the_window_is_counted_even_one_written_before_the_retry() {
        let mut results = Vec::new();
        let mut log = Vec::new();
        for n in 0..4 {
            let k = format!("k{n}");
            let min = 10 * n;
            // After the first key, the late write (a1, FAILED) lands first and the
            // retry's row (a2) after it: the surplus copy is the retry's, the late
            // write is not surplus, and it is still inside the window.
            let (late, retry) = if n == 0 { (2, 1) } else { (1, 2) };
            results.push(row(&format!("{n}late"), Some(&k), "a1", min + late, "{}"));
            results.push(row(&format!("{n}retry"), Some(&k), "a2", min + retry, "{}"));
            log.push(entry(&k, "a1", Status::Failed, min - 1));
            log.push(entry(&k, "a2", Status::Completed, min));
        }
        let mut spec = AuditSpec::default();
        spec.scan.cross_key = false;
        let f = scan(&dataset(results, log), &spec, t(5000).unwrap());
        let w = f
            .window
            .clone()
            .expect("four duplicates ten minutes apart are a burst");
        assert_eq!(f.summary_of(Class::LateWrite).rows, 4);
        assert_eq!((w.surplus_rows, w.late_writes), (4, 4));
    }

    #[test]
    fn surplus_rows_scattered_hours_apart_have_no_window() {
        let mut results = Vec::new();
        for n in 0..6 {
            let k = format!("k{n}");
            results.push(row(&format!("{n}a"), Some(&k), "a1", 300 * n, "{}"));
            results.push(row(&format!("{n}b"), Some(&k), "a1", 300 * n + 1, "{}"));
        }
        let mut spec = AuditSpec::default();
        spec.scan.cross_key = false;
        let f = scan(&dataset(results, Vec::new()), &spec, t(5000).unwrap());
        assert_eq!(f.summary_of(Class::Exact).surplus_rows, 6);
        assert_eq!(f.window, None, "no run of rows holds half of them");
        assert!(crate::findings::no_window_sentence(&f).starts_with("no burst"));
    }

    #[test]
    fn window_is_the_burst_with_most_duplicates() {
        let mut results = Vec::new();
        let mut log = Vec::new();
        // a burst of 5 duplicates 10 minutes apart, plus one a day later
        for (n, min) in [0, 10, 20, 30, 40, 1440].into_iter().enumerate() {
            let k = format!("k{n}");
            results.push(row(&format!("{n}a"), Some(&k), "a2", min, "{}"));
            results.push(row(&format!("{n}b"), Some(&k), "a1", min + 1, "{}"));
            log.push(entry(&k, "a1", Status::Failed, min - 1));
            log.push(entry(&k, "a2", Status::Completed, min));
        }
        let mut spec = AuditSpec::default();
        spec.scan.cross_key = false;
        let data = dataset(results, log);
        let w = scan(&data, &spec, t(5000).unwrap()).window.unwrap();
        assert_eq!(
            (w.surplus_rows, w.surplus_rows_total, w.late_writes),
            (5, 6, 5)
        );
        assert_eq!((w.start, w.end), (t(1).unwrap(), t(41).unwrap()));
    }
}

#[cfg(test)]
mod properties {
    use std::collections::HashSet;

    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn dataset() -> impl Strategy<Value = Dataset> {
        let row = (
            proptest::option::weighted(0.9, 0u8..6),
            0u8..3,
            0u8..3,
            0i64..500,
        );
        prop::collection::vec(row, 0..40).prop_map(|rows| Dataset {
            payload_columns: vec!["payload".into()],
            json_columns: vec![true],
            results: rows
                .into_iter()
                .enumerate()
                .map(|(i, (key, payload, attempt, minute))| ResultRow {
                    pk: vec![i.to_string()],
                    key: key.map(|k| vec![format!("k{k}")]),
                    attempt: Some(format!("a{attempt}")),
                    written_at: Some(
                        Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()
                            + Duration::minutes(minute),
                    ),
                    payload: vec![Some(format!(r#"{{"v":{payload},"latency_ms":{minute}}}"#))],
                })
                .collect(),
            log: Vec::new(),
            counts: None,
        })
    }

    proptest! {
        #[test]
        fn every_keyed_row_beyond_the_first_of_its_key_is_surplus(data in dataset()) {
            let mut spec = AuditSpec::default();
            spec.results.ignore_fields = vec!["latency_ms".into()];
            let f = scan(&data, &spec, Utc::now());
            let keyed = data.results.iter().filter(|r| r.key.is_some()).count() as u64;
            let keys: HashSet<_> = data.results.iter().filter_map(|r| r.key.clone()).collect();
            let exact = f.summary_of(Class::Exact);
            let conflict = f.summary_of(Class::Conflict);
            prop_assert_eq!(exact.surplus_rows + conflict.surplus_rows, keyed - keys.len() as u64);
            prop_assert_eq!(f.totals.null_key_rows, data.results.len() as u64 - keyed);
            // each row is in at most one exact or conflict group
            let mut seen = HashSet::new();
            for g in f.findings.iter().filter(|g| matches!(g.class, Class::Exact | Class::Conflict)) {
                prop_assert!(g.rows.len() >= 2);
                for r in &g.rows {
                    prop_assert!(seen.insert(r.pk.clone()));
                }
            }
        }

        #[test]
        fn exact_groups_share_one_payload_and_conflicts_do_not(data in dataset()) {
            let f = scan(&data, &AuditSpec { results: crate::spec::ResultsSpec { ignore_fields: vec!["latency_ms".into()], ..Default::default() }, ..Default::default() }, Utc::now());
            for g in &f.findings {
                let hashes: HashSet<&PayloadHash> = g.rows.iter().map(|r| &r.payload_hash).collect();
                match g.class {
                    Class::Exact | Class::CrossKey => prop_assert_eq!(hashes.len(), 1),
                    Class::Conflict => prop_assert!(hashes.len() >= 2),
                    _ => {}
                }
            }
        }
    }
}
