//! The scan stage. In: a [`ScanAudit`]. Out: a [`Report`], written where asked. A database hands
//! over parts as it reads them; they are classified on a thread of their own while
//! it reads the next, and of each part's findings only what the report's format
//! needs is kept (see [`FindingSink`]), so that memory holds a few parts at most.

use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::error::Error;
use crate::findings::{Class, Finding, Findings};
use crate::model::{Dataset, Key};
use crate::output;
use crate::progress::Progress;
use crate::report::{
    CsvSpool, Format, JsonSpool, Outstanding, RenderOptions, Report, FORMAT_VERSION, JSON_CHUNK,
};
use crate::resolve::ScanAudit;
use crate::scan::{self, ByClass, PartScan};
use crate::source::Parts;
use crate::spec::AuditSpec;
use crate::watermark::Incremental;

/// Keys per part of a scan: enough for every core to have work, few enough that a
/// part's rows and findings stay small.
const KEYS_PER_PART: usize = 8192;

/// A scan done: its report, with the findings held as its format needs them.
pub struct Scanned {
    pub report: Report,
    sink: FindingSink,
}

/// Scans the source of `audit`.
pub async fn scan(
    audit: &ScanAudit,
    format: Format,
    progress: &Progress,
) -> Result<Scanned, Error> {
    let started = Instant::now();
    let spec = &audit.spec;
    let kept = Kept {
        sink: FindingSink::for_format(format),
        keyed: audit.incremental.as_ref().map(|_| Vec::new()),
    };
    let (to_scan, scanning) = scan_thread(spec.clone(), audit.as_of, kept);
    let mut on_part = |part: Dataset, origin: Vec<usize>| {
        to_scan
            .send(ToScan::Part(part, origin))
            .map_err(|_| Error::Runtime("the scan of the parts stopped".into()))
    };
    let parts = audit
        .source
        .load_parts(spec, progress, KEYS_PER_PART, &mut on_part)
        .await;
    progress.finish();
    let parts = parts.map(|parts| match parts {
        Parts::Streamed { shape } => {
            // A failed send leaves the thread's own error to report.
            let _ = to_scan.send(ToScan::Done(shape));
            None
        }
        parts => Some(parts),
    });
    drop(to_scan);
    let (mut kept, scanned) = scanning
        .join()
        .map_err(|_| Error::Runtime("the scan of the parts panicked".into()))?;
    let scanned = scanned.map_err(temporary)?;
    let findings = match parts? {
        Some(Parts::Whole(data)) => {
            let each = |part: Vec<Finding>| kept.add(part);
            scan::scan_parts(data, spec, audit.as_of, KEYS_PER_PART, each).map_err(temporary)?
        }
        Some(Parts::Streamed { .. }) | None => scanned
            .ok_or_else(|| Error::Runtime("the scan of the parts ended before the last".into()))?,
    };
    let Kept { sink, keyed } = kept;
    let outstanding = match (&audit.incremental, spec.scan.window) {
        (Some(state), _) => Some(outstanding(audit, state, keyed.unwrap_or_default()).await?),
        (None, None) => Some(Outstanding::of_everything(&findings)),
        (None, Some(_)) => None,
    };
    let report = Report {
        format_version: FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        generated_at: Utc::now(),
        source: audit.source.info(spec),
        spec: audit.spec_path.clone(),
        scan_seconds: started.elapsed().as_secs_f64(),
        audited_window: spec.scan.window,
        outstanding,
        findings,
    };
    Ok(Scanned { report, sink })
}

/// Classes whose findings are not one key's (a payload across keys, rows without a
/// key, a status value): an incremental run cannot check them again by key.
const UNKEYED: [Class; 3] = [Class::CrossKey, Class::NullKey, Class::UnknownStatus];

/// What is still in the table after an incremental run: the findings of the keys
/// earlier runs found, read whole and classified again, and the window's own.
/// [`UNKEYED`] classes are left out.
async fn outstanding(
    audit: &ScanAudit,
    state: &Incremental,
    window: Vec<KeyedFinding>,
) -> Result<Outstanding, Error> {
    let spec = &audit.spec;
    let classes: Vec<Class> = (spec.scan.checks().into_iter())
        .filter(|c| !UNKEYED.contains(c))
        .collect();
    let carried = state.carried();
    let arity = spec.results.key.len();
    if let Some(k) = carried.iter().find(|k| k.len() != arity) {
        return Err(Error::Usage(format!(
            "the --incremental state file holds keys of {} column(s), but the spec's key has {arity} ({}); use another state file",
            k.len(),
            spec.results.key.join(", ")
        )));
    }
    let mut found = Vec::new();
    if !carried.is_empty() {
        let whole = spec.with_window(None).with_checks(classes.clone(), false);
        let data = audit.source.load_keys(&whole, carried).await?;
        found.extend(keyed_of(&scan::scan(&data, &whole, audit.as_of).findings));
    }
    let carried_set: HashSet<&Key> = carried.iter().collect();
    found.extend(
        window
            .into_iter()
            .filter(|(_, k, _)| !carried_set.contains(k)),
    );
    Ok(Outstanding::of_keys(classes, &found, carried.len() as u64))
}

/// A finding's class, key and surplus rows.
type KeyedFinding = (Class, Key, u64);

/// The findings of one key each.
fn keyed_of(findings: &[Finding]) -> impl Iterator<Item = KeyedFinding> + '_ {
    findings
        .iter()
        .filter(|f| !UNKEYED.contains(&f.class))
        .filter_map(|f| Some((f.class, f.key.clone()?, f.surplus_rows)))
}

impl Scanned {
    /// Writes the report in `format` to `path` (standard output: `None`), shaped by
    /// `opts` when it is for people.
    pub fn write(
        self,
        format: Format,
        path: Option<&Path>,
        opts: RenderOptions,
    ) -> Result<Report, Error> {
        let Scanned { mut report, sink } = self;
        match (format, sink) {
            (_, FindingSink::Spool(spool)) => {
                output::write_with(path, |w| spool.write(&report, w))?
            }
            (_, FindingSink::Csv(spool)) => output::write_with(path, |w| spool.write(&report, w))?,
            // The machine contract can be large (every group of a big table): streamed.
            (Format::Json, _) => output::write_with(path, |w| report.write_json(w, JSON_CHUNK))?,
            (format, sink) => {
                if let FindingSink::Findings(by_class) = sink {
                    report.findings.findings = by_class.into_list();
                }
                let text = report.render(format, opts);
                output::write_output(path, &text)?
            }
        }
        Ok(report)
    }
}

fn temporary(e: std::io::Error) -> Error {
    Error::Runtime(format!(
        "cannot use a temporary file in {}: {e}",
        std::env::temp_dir().display()
    ))
}

/// What a scan keeps of each part's findings: what the report's format needs, and
/// for an incremental run the keyed findings, whose keys the next run checks again.
struct Kept {
    sink: FindingSink,
    keyed: Option<Vec<KeyedFinding>>,
}

impl Kept {
    fn add(&mut self, findings: Vec<Finding>) -> std::io::Result<()> {
        if let Some(keyed) = &mut self.keyed {
            keyed.extend(keyed_of(&findings));
        }
        self.sink.add(findings)
    }
}

/// What a scan keeps of each part's findings, by report format, once the part's rows
/// are dropped.
enum FindingSink {
    /// JSON: rendered into a spool as they come.
    Spool(JsonSpool),
    /// CSV: their lines written into a spool as they come.
    Csv(CsvSpool),
    /// Table, Markdown, HTML: the findings, put back in report order.
    Findings(ByClass),
    /// Prometheus: nothing; its metrics are the totals and the summary, which the
    /// scan counts part by part.
    Counts,
}

impl FindingSink {
    fn for_format(format: Format) -> FindingSink {
        match format {
            Format::Json => FindingSink::Spool(JsonSpool::new(JSON_CHUNK)),
            Format::Csv => FindingSink::Csv(CsvSpool::default()),
            Format::Prometheus => FindingSink::Counts,
            Format::Table | Format::Markdown | Format::Html => {
                FindingSink::Findings(ByClass::default())
            }
        }
    }

    /// Takes one part's findings, in report order.
    fn add(&mut self, findings: Vec<Finding>) -> std::io::Result<()> {
        match self {
            FindingSink::Spool(spool) => spool.add(&findings),
            FindingSink::Csv(spool) => spool.add(&findings),
            FindingSink::Findings(by_class) => {
                by_class.add(findings);
                Ok(())
            }
            FindingSink::Counts => Ok(()),
        }
    }
}

/// What the thread of [`scan_thread`] is sent.
enum ToScan {
    /// A part as a source hands it over, with the numbers of its result rows.
    Part(Dataset, Vec<usize>),
    /// What the source counted, once every part was sent.
    Done(Dataset),
}

/// A thread that scans the parts a database hands over and keeps what the report
/// needs of their findings (`sink`), while the database reads the next parts. It
/// gives back the sink and, once sent [`ToScan::Done`], the findings without
/// their list; it stops at the first failure to write, which makes the next send
/// fail.
#[allow(clippy::type_complexity)]
fn scan_thread(
    spec: AuditSpec,
    as_of: DateTime<Utc>,
    mut sink: Kept,
) -> (
    std::sync::mpsc::SyncSender<ToScan>,
    std::thread::JoinHandle<(Kept, std::io::Result<Option<Findings>>)>,
) {
    // One part waiting while one is scanned: memory holds a few parts at most.
    let (to_scan, parts) = std::sync::mpsc::sync_channel(1);
    let thread = std::thread::spawn(move || {
        let mut scan = PartScan::new(&spec, as_of);
        for message in parts {
            match message {
                ToScan::Part(part, origin) => {
                    if let Err(e) = sink.add(scan.part(part, &origin)) {
                        return (sink, Err(e));
                    }
                }
                ToScan::Done(shape) => {
                    // The findings of no part (from what the source counted) go
                    // where the parts' went.
                    let mut findings = scan.finish(&shape);
                    let counted = std::mem::take(&mut findings.findings);
                    return match sink.add(counted) {
                        Ok(()) => (sink, Ok(Some(findings))),
                        Err(e) => (sink, Err(e)),
                    };
                }
            }
        }
        (sink, Ok(None))
    });
    (to_scan, thread)
}
