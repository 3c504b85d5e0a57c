//! Reports: one [`Report`] value, rendered in the format people or machines need.
//!
//! In: [`Findings`] plus the header every report carries (source, spec, time, tool
//! version). Out: text in one of the [`Format`]s. The JSON form of [`Report`] is the
//! machine contract, versioned by [`FORMAT_VERSION`] and described in the README.

pub mod cleanup;
mod csv;
mod html;
mod markdown;
mod prometheus;
mod table;
pub mod timeline;

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::io::{self, Seek, Write};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::findings::{Class, Finding, Findings, Window};
use crate::model::SourceInfo;
use crate::scan::{fmt_time, human};

pub use self::csv::CsvSpool;

/// Version of the JSON report layout. Bumped on any incompatible change: 2 made
/// `totals.log_rows` and `totals.unknown_statuses` null when the log is not counted.
pub const FORMAT_VERSION: u32 = 2;

/// Findings per parallel task of [`Report::write_json`].
pub const JSON_CHUNK: usize = 1024;

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Summary, window and groups as terminal tables (the default).
    Table,
    /// The machine contract: one JSON object.
    Json,
    /// One line per group member (result row or log row).
    Csv,
    /// For tickets and postmortems.
    Markdown,
    /// One self-contained HTML page with a timeline chart, for the browser.
    Html,
    /// node_exporter textfile-collector metrics, for scheduled audits.
    Prometheus,
}

/// Everything a report says: a header plus the findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub format_version: u32,
    pub tool_version: String,
    pub generated_at: DateTime<Utc>,
    pub source: SourceInfo,
    /// Path of the spec the scan used.
    pub spec: String,
    /// Wall-clock time of the scan, in seconds.
    pub scan_seconds: f64,
    /// When the scan was limited to the keys touched in a window (`--since`,
    /// `--incremental`): that window.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub audited_window: Option<crate::spec::TimeWindow>,
    /// What is still in the table after this run, whatever window it audited:
    /// known for a scan of everything and for `--incremental` runs, which check
    /// again the keys earlier runs found.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub outstanding: Option<Outstanding>,
    #[serde(flatten)]
    pub findings: Findings,
}

/// The findings still in the table, per class.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outstanding {
    pub summary: BTreeMap<Class, OutstandingCount>,
    /// Keys earlier runs found that this one checked again.
    pub carried_keys: u64,
    /// The keys with a finding, for the next run to check again.
    #[serde(skip)]
    pub keys: Vec<crate::model::Key>,
}

/// Groups and surplus rows of one class still in the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutstandingCount {
    pub groups: u64,
    pub surplus_rows: u64,
}

impl Outstanding {
    /// What a scan of the whole table found, from its summary.
    pub fn of_everything(f: &Findings) -> Outstanding {
        let summary = f
            .summary
            .iter()
            .map(|(class, s)| {
                let count = OutstandingCount {
                    groups: s.groups,
                    surplus_rows: s.surplus_rows,
                };
                (*class, count)
            })
            .collect();
        Outstanding {
            summary,
            carried_keys: 0,
            keys: Vec::new(),
        }
    }

    /// The counts of `found` (class, key, surplus rows), one entry per class in
    /// `classes` even when none is found.
    pub fn of_keys(
        classes: impl IntoIterator<Item = Class>,
        found: &[(Class, crate::model::Key, u64)],
        carried_keys: u64,
    ) -> Outstanding {
        let mut summary: BTreeMap<Class, OutstandingCount> = classes
            .into_iter()
            .map(|c| (c, OutstandingCount::default()))
            .collect();
        for (class, _, surplus) in found {
            let count = summary.entry(*class).or_default();
            count.groups += 1;
            count.surplus_rows += surplus;
        }
        let mut keys: Vec<_> = found.iter().map(|(_, k, _)| k.clone()).collect();
        keys.sort();
        keys.dedup();
        Outstanding {
            summary,
            carried_keys,
            keys,
        }
    }
}

/// Options that shape human-readable reports.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Most groups listed per class in table, Markdown and HTML reports; 0 lists all.
    pub limit: usize,
    /// The terminal's width the table report fits; `None`: as wide as it takes.
    pub width: Option<usize>,
    /// The table report lists the groups of every class, not one line per key.
    pub details: bool,
    /// What fails the run, for the verdict the table report ends with.
    pub fail_on: Vec<(Class, u64)>,
}

impl Report {
    /// Renders the report.
    pub fn render(&self, format: Format, opts: RenderOptions) -> String {
        match format {
            Format::Table => table::render(self, opts),
            Format::Json => {
                let mut s = serde_json::to_string_pretty(self).expect("a report always serialises");
                s.push('\n');
                s
            }
            Format::Csv => csv::render(self),
            Format::Markdown => markdown::render(self, opts),
            Format::Html => html::render(self, opts),
            Format::Prometheus => prometheus::render(self),
        }
    }

    /// Writes the JSON report, the same text as [`Report::render`] gives in
    /// [`Format::Json`]. The findings, nearly all of a large report, are rendered on
    /// every core, `chunk` findings a task ([`JSON_CHUNK`] fits a scan), and written
    /// in order.
    pub fn write_json(&mut self, w: &mut dyn Write, chunk: usize) -> io::Result<()> {
        let findings = std::mem::take(&mut self.findings.findings);
        let header = self.json_header();
        self.findings.findings = findings;
        let list = &self.findings.findings;
        write_around(&header?, w, !list.is_empty(), |w| {
            // A few chunks per task at a time: rendered, written, and their buffers
            // dropped, so the rendered text never holds more than those.
            let mut first = true;
            for findings in list.chunks(window(chunk)) {
                for text in render_items(findings, chunk) {
                    w.write_all(if first { &text[1..] } else { &text })?;
                    first = false;
                }
            }
            Ok(())
        })
    }

    /// The report's JSON text with an empty list of findings, which must be empty.
    fn json_header(&self) -> io::Result<String> {
        serde_json::to_string_pretty(self).map_err(io::Error::other)
    }

    /// The classes of `fail_on` with at least their threshold of groups still in
    /// the table ([`Report::still`]), with those groups.
    pub fn failing(&self, fail_on: &[(Class, u64)]) -> Vec<(Class, u64)> {
        fail_on
            .iter()
            .map(|&(class, threshold)| (class, self.still(class), threshold))
            .filter(|&(_, groups, threshold)| groups >= threshold)
            .map(|(class, groups, _)| (class, groups))
            .collect()
    }

    pub fn groups(&self, class: Class) -> u64 {
        self.findings.summary_of(class).groups
    }

    /// Groups of `class` still in the table after this run where that is known
    /// ([`Report::outstanding`]), else the groups this run found.
    pub fn still(&self, class: Class) -> u64 {
        match self
            .outstanding
            .as_ref()
            .and_then(|o| o.summary.get(&class))
        {
            Some(n) => n.groups.max(self.groups(class)),
            None => self.groups(class),
        }
    }
}

/// Writes `header`, a report's JSON text with an empty list of findings, with the
/// list's items written by `items` (when `any`) in place of that empty list. The
/// first item `items` writes starts without the comma [`render_items`] puts first.
fn write_around(
    header: &str,
    w: &mut dyn Write,
    any: bool,
    items: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    // The empty list is the last `"findings": []` of the text (only `redis` may
    // follow it). A string holding those characters would show its quotes escaped,
    // so it cannot match.
    const EMPTY: &str = "\n  \"findings\": []";
    let at = match header.rfind(EMPTY) {
        Some(at) if any => at + EMPTY.len() - 1,
        _ => {
            w.write_all(header.as_bytes())?;
            return w.write_all(b"\n");
        }
    };
    w.write_all(&header.as_bytes()[..at])?;
    items(w)?;
    w.write_all(b"\n  ]")?;
    w.write_all(&header.as_bytes()[at + 1..])?;
    w.write_all(b"\n")
}

/// Findings rendered per window of [`render_items`]: a few chunks per thread.
fn window(chunk: usize) -> usize {
    chunk.max(1) * rayon::current_num_threads() * 4
}

/// `findings` as items of the report's list, `chunk` findings a task on every core,
/// in order: each item is `,` then the finding as serde's pretty writer puts it at
/// the list's depth (four more spaces on every line).
fn render_items(findings: &[Finding], chunk: usize) -> Vec<Vec<u8>> {
    findings
        .par_chunks(chunk.max(1))
        .map(|chunk| {
            let mut out = Vec::with_capacity(chunk.len() * 2048);
            let mut one = Vec::with_capacity(4096);
            for f in chunk {
                out.extend_from_slice(b",\n    ");
                one.clear();
                serde_json::to_writer_pretty(&mut one, f).expect("a finding always serialises");
                for (i, line) in one.split(|&b| b == b'\n').enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b"\n    ");
                    }
                    out.extend_from_slice(line);
                }
            }
            out
        })
        .collect()
}

/// A JSON report's findings, taken part by part ([`crate::scan::scan_parts`])
/// before the header, which counts them all, is known: each class's findings are
/// rendered into an unnamed temporary file of their own (the system removes it when
/// it is closed), then copied after the header in class order. Memory holds one
/// part's findings and one window of their text, whatever the number of findings.
pub struct JsonSpool {
    chunk: usize,
    classes: BTreeMap<Class, io::BufWriter<std::fs::File>>,
}

impl JsonSpool {
    /// `chunk` findings a task, as in [`Report::write_json`].
    pub fn new(chunk: usize) -> JsonSpool {
        JsonSpool {
            chunk,
            classes: BTreeMap::new(),
        }
    }

    /// Renders `findings`, in report order, after those already taken of their
    /// classes.
    pub fn add(&mut self, findings: &[Finding]) -> io::Result<()> {
        for same in findings.chunk_by(|a, b| a.class == b.class) {
            let file = match self.classes.entry(same[0].class) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(io::BufWriter::new(tempfile::tempfile()?)),
            };
            for findings in same.chunks(window(self.chunk)) {
                for text in render_items(findings, self.chunk) {
                    file.write_all(&text)?;
                }
            }
        }
        Ok(())
    }

    /// Writes `report`, whose list of findings is empty, with the findings taken.
    pub fn write(self, report: &Report, w: &mut dyn Write) -> io::Result<()> {
        debug_assert!(report.findings.findings.is_empty());
        let header = report.json_header()?;
        write_around(&header, w, !self.classes.is_empty(), |w| {
            let mut first = true;
            for file in self.classes.into_values() {
                let mut file = file.into_inner().map_err(|e| e.into_error())?;
                // The list's first item follows `[` without a comma.
                file.seek(io::SeekFrom::Start(first as u64))?;
                first = false;
                io::copy(&mut file, w)?;
            }
            Ok(())
        })
    }
}

/// How many of `total` groups a human-readable report lists (`limit` 0: all).
pub fn shown(total: usize, limit: usize) -> usize {
    if limit == 0 {
        total
    } else {
        limit.min(total)
    }
}

/// The findings of one class in the order people read them: those inside the window
/// where duplicates concentrate first, then by time.
pub fn for_people(r: &Report, class: Class) -> Vec<&Finding> {
    let window = r.findings.window.as_ref();
    let mut all: Vec<&Finding> = r.findings.of(class).collect();
    all.sort_by_key(|f| {
        let times: Vec<DateTime<Utc>> = f
            .rows
            .iter()
            .filter_map(|row| row.written_at)
            .chain(
                f.attempts
                    .iter()
                    .filter_map(|a| a.updated_at.or(a.created_at)),
            )
            .collect();
        let inside = window.is_some_and(|w| times.iter().any(|t| *t >= w.start && *t <= w.end));
        (!inside, times.into_iter().min())
    });
    all
}

/// The one sentence that tells where duplicates concentrate.
/// The sentence that points at a volatile field: a JSON field that alone tells apart
/// the copies of more than half the keys written more than once (exact and conflict
/// groups, at least two). A field that changes with every write looks like that;
/// genuinely different results are rarely most of the duplicates. `code` writes a
/// name as the format shows code.
pub fn window_sentence(w: &Window) -> String {
    let same_day = w.start.date_naive() == w.end.date_naive();
    let end = if same_day {
        w.end.format("%H:%M UTC").to_string()
    } else {
        fmt_time(Some(w.end))
    };
    let mut s = format!(
        "{} of {} surplus rows were written between {} and {} ({})",
        w.surplus_rows,
        w.surplus_rows_total,
        w.start.format("%Y-%m-%d %H:%M"),
        end,
        human(w.end - w.start)
    );
    if w.late_writes > 0 {
        s.push_str(&format!(
            "; {} late write{} (rows of attempts the log marks FAILED) landed in that time",
            w.late_writes,
            if w.late_writes == 1 { "" } else { "s" }
        ));
    }
    if let Some(scope) = &w.scope {
        s.push_str(&format!(
            "; {} of them with {} = {}",
            scope.rows, scope.column, scope.value
        ));
    }
    s.push('.');
    s
}

/// Sparklines of surplus rows over the whole period and over the window, for
/// terminals and Markdown; empty when there are no surplus rows. Within `width`
/// (`None`: any), a sparkline goes on a line of its own, as many buckets as fit.
pub fn timeline_lines(f: &Findings, width: Option<usize>) -> Vec<String> {
    let times = timeline::surplus_times(f);
    let (Some(first), Some(last)) = (times.first(), times.last()) else {
        return Vec::new();
    };
    let buckets = width.map_or(BUCKETS, |w| w.saturating_sub(2).clamp(10, BUCKETS));
    let mut lines = Vec::new();
    let mut chart =
        |what: &str, line: &timeline::Timeline, from: DateTime<Utc>, to: DateTime<Utc>| {
            let label = format!(
                "{what} {:<4} {} … {}",
                line.bucket_label(),
                from.format("%Y-%m-%d %H:%M"),
                to.format("%Y-%m-%d %H:%M"),
            );
            let spark = format!("|{}|", line.sparkline());
            match width {
                Some(w) if label.chars().count() + 2 + spark.chars().count() > w => {
                    lines.push(label);
                    lines.push(spark);
                }
                _ => lines.push(format!("{label}  {spark}")),
            }
        };
    let whole = timeline::timeline(&times, *first, *last, buckets);
    chart("surplus rows per", &whole, *first, *last);
    if let Some(w) = &f.window {
        let zoom = timeline::timeline(&times, w.start, w.end, buckets);
        chart("in the window, per", &zoom, w.start, w.end);
    }
    lines
}

/// Most buckets of a sparkline.
const BUCKETS: usize = 60;

/// The header line every human-readable report starts with.
pub fn header_lines(r: &Report) -> Vec<String> {
    let mut lines = vec![
        format!(
            "dupaudit {} scan of {} (results: {}, log: {})",
            r.tool_version, r.source.location, r.source.results, r.source.log
        ),
        format!(
            "spec {} · generated {} · staleness judged as of {} · took {:.2}s",
            r.spec,
            fmt_time(Some(r.generated_at)),
            fmt_time(Some(r.findings.as_of)),
            r.scan_seconds
        ),
    ];
    if let Some(w) = &r.audited_window {
        lines.push(format!(
            "only keys touched from {} to {} (every row of those keys compared)",
            fmt_time(Some(w.since)),
            fmt_time(Some(w.until))
        ));
        if let Some(o) = &r.outstanding {
            let parts: Vec<String> = o
                .summary
                .iter()
                .filter(|(_, n)| n.groups > 0)
                .map(|(class, n)| format!("{class} {} ({} surplus rows)", n.groups, n.surplus_rows))
                .collect();
            let parts = match parts.is_empty() {
                true => "nothing".to_string(),
                false => parts.join(", "),
            };
            lines.push(format!(
                "still in the table, with what earlier runs found ({} keys checked again): {parts}",
                o.carried_keys
            ));
        }
    }
    lines
}

/// The totals line.
pub fn totals_line(f: &Findings) -> String {
    let t = &f.totals;
    let count = |n: Option<u64>, what: &str| match n {
        Some(n) => format!(" · {n} {what}"),
        None => String::new(),
    };
    let log = match t.log_rows {
        Some(n) => format!("{n} log rows"),
        None => "log not counted (no class checked reads it whole)".to_string(),
    };
    format!(
        "{} result rows · {log} · {} keys · {} NULL-key rows · {} non-JSON payloads",
        t.result_rows, t.keys, t.null_key_rows, t.non_json_payloads
    ) + &count(t.unknown_statuses, "unknown statuses")
        + &redis_totals(f)
}

/// What reading a log kept in Redis met, appended to the totals line; empty for
/// other logs.
fn redis_totals(f: &Findings) -> String {
    let Some(r) = &f.redis else {
        return String::new();
    };
    format!(
        " · Redis: {} keys scanned, {} records, {} malformed, {} EXPIRED, {} without TTL, {} lock keys, {} gone and {} changed during the scan",
        r.keys_scanned,
        r.records,
        f.summary_of(Class::MalformedRecord).groups,
        r.expired_status,
        r.without_ttl,
        r.lock_keys,
        r.vanished,
        r.changed
    )
}

/// Short description of a row for tables: `pk (attempt STATUS, time)`.
pub fn row_brief(r: &crate::findings::RowRef) -> String {
    let status = r
        .attempt_status
        .map(|s| s.to_string())
        .unwrap_or_else(|| "not in log".into());
    format!(
        "{} (attempt {} {}, {})",
        r.pk.join(","),
        r.attempt.as_deref().unwrap_or("-"),
        status,
        r.written_at
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| "-".into())
    )
}
