//! `dupaudit scan`: spec → source → scan → report, and the exit code.

use std::path::Path;
use std::time::Instant;

use chrono::Utc;

use crate::cli::{Cli, ConnectOpts, ScanArgs};
use crate::error::{exit, Error};
use crate::findings::{Class, Finding, Findings};
use crate::model::Dataset;
use crate::report::{
    CsvSpool, Format, JsonSpool, RenderOptions, Report, FORMAT_VERSION, JSON_CHUNK,
};
use crate::scan::{self, ByClass, PartScan};
use crate::source::{Parts, Source, SourceOptions};
use crate::spec::{AuditSpec, TimeWindow};

/// The largest state file `--incremental` reads (one holds a few hundred bytes).
const MAX_STATE_BYTES: u64 = 1 << 20;

/// Keys per part of a scan: enough for every core to have work, few enough that a
/// part's rows and findings stay small.
const KEYS_PER_PART: usize = 8192;

/// What a scan keeps of each part's findings, by report format, once the part's rows
/// are dropped.
enum Kept {
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

impl Kept {
    fn for_format(format: Format) -> Kept {
        match format {
            Format::Json => Kept::Spool(JsonSpool::new(JSON_CHUNK)),
            Format::Csv => Kept::Csv(CsvSpool::default()),
            Format::Prometheus => Kept::Counts,
            Format::Table | Format::Markdown | Format::Html => Kept::Findings(ByClass::default()),
        }
    }

    /// Takes one part's findings, in report order.
    fn add(&mut self, findings: Vec<Finding>) -> std::io::Result<()> {
        match self {
            Kept::Spool(spool) => spool.add(&findings),
            Kept::Csv(spool) => spool.add(&findings),
            Kept::Findings(by_class) => {
                by_class.add(findings);
                Ok(())
            }
            Kept::Counts => Ok(()),
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
/// needs of their findings (`kept`), while the database reads the next parts. It
/// gives back what it kept and, once sent [`ToScan::Done`], the findings without
/// their list; it stops at the first failure to write, which makes the next send
/// fail.
#[allow(clippy::type_complexity)]
fn scan_thread(
    spec: AuditSpec,
    as_of: chrono::DateTime<Utc>,
    mut kept: Kept,
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
                    if let Err(e) = kept.add(scan.part(part, &origin)) {
                        return (kept, Err(e));
                    }
                }
                ToScan::Done(shape) => {
                    // The findings of no part (from what the source counted) go
                    // where the parts' went.
                    let mut findings = scan.finish(&shape);
                    let counted = std::mem::take(&mut findings.findings);
                    return match kept.add(counted) {
                        Ok(()) => (kept, Ok(Some(findings))),
                        Err(e) => (kept, Err(e)),
                    };
                }
            }
        }
        (kept, Ok(None))
    });
    (to_scan, thread)
}

pub async fn run(cli: &Cli, args: &ScanArgs) -> Result<u8, Error> {
    let mut spec = load_spec(&cli.spec, &args.connect)?;
    if !args.classes.is_empty() {
        spec.scan.cross_key = args.classes.contains(&Class::CrossKey);
        spec.scan.classes = args.classes.clone();
    }
    let started_at = Utc::now();
    let state = match &args.incremental {
        Some(path) => Some((path, Watermark::read(path)?)),
        None => None,
    };
    let until = args.until.unwrap_or(started_at);
    let since = match &state {
        // Overlap the previous window by one lease: rows committed late, with a
        // timestamp before the previous run, are still seen.
        Some((_, Some(mark))) => {
            Some(mark.until - chrono::Duration::from_std(spec.log.lease).unwrap_or_default())
        }
        Some((_, None)) => None,
        None => args.since,
    };
    if since.is_some() || args.until.is_some() {
        if spec.results.timestamp.is_none() {
            return Err(Error::Usage(
                "a time window needs results.timestamp in the spec: which column says when a row was written".into(),
            ));
        }
        let since = since.unwrap_or(chrono::DateTime::<Utc>::UNIX_EPOCH);
        if since >= until {
            return Err(Error::Usage(format!(
                "the window is empty: --since {since} is not before --until {until}"
            )));
        }
        spec.scan.window = Some(TimeWindow { since, until });
    }
    let spec_dir = cli.spec.parent().unwrap_or(Path::new(""));
    let mut options = source_options(&args.connect);
    options.partitions = args.partitions;
    let source = Source::resolve(&options, &spec, spec_dir)?;
    let spec = source.resolve_spec(&spec);
    let checks = spec.scan.checks();
    let fail_on = match &args.fail_on {
        Some(f) => f.0.clone(),
        None => [Class::Exact, Class::Conflict, Class::UnknownStatus]
            .into_iter()
            .filter(|c| checks.contains(c))
            .map(|c| (c, 1))
            .collect(),
    };
    if let Some((class, _)) = fail_on.iter().find(|(c, _)| !checks.contains(c)) {
        return Err(Error::Usage(format!(
            "--fail-on {class}: that class is not checked by this scan (see --classes and [scan] cross_key)"
        )));
    }

    let started = Instant::now();
    let progress = crate::progress::Progress::new(cli.quiet);
    let as_of = args.as_of.unwrap_or_else(Utc::now);
    // The source is scanned part by part, and of each part's findings only what
    // the report needs is kept (see `Kept`).
    let mut kept = None;
    let findings = {
        let temporary = |e: std::io::Error| {
            Error::Runtime(format!(
                "cannot use a temporary file in {}: {e}",
                std::env::temp_dir().display()
            ))
        };
        // Parts a database hands over as it reads them are scanned on a
        // thread of their own while it reads the next.
        let (to_scan, scanning) = scan_thread(spec.clone(), as_of, Kept::for_format(args.format));
        let mut on_part = |part: Dataset, origin: Vec<usize>| {
            to_scan
                .send(ToScan::Part(part, origin))
                .map_err(|_| Error::Runtime("the scan of the parts stopped".into()))
        };
        let parts = source
            .load_parts(&spec, &progress, KEYS_PER_PART, &mut on_part)
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
        let (taken, scanned) = scanning
            .join()
            .map_err(|_| Error::Runtime("the scan of the parts panicked".into()))?;
        let taken = kept.insert(taken);
        let scanned = scanned.map_err(temporary)?;
        let each = |part: Vec<Finding>| taken.add(part);
        match parts? {
            Some(Parts::Whole(data)) => {
                scan::scan_parts(data, &spec, as_of, KEYS_PER_PART, each).map_err(temporary)?
            }
            Some(Parts::Streamed { .. }) | None => scanned.ok_or_else(|| {
                Error::Runtime("the scan of the parts ended before the last".into())
            })?,
        }
    };
    let info = source.info(&spec);
    let mut report = Report {
        format_version: FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        generated_at: Utc::now(),
        source: info,
        spec: cli.spec.display().to_string(),
        scan_seconds: started.elapsed().as_secs_f64(),
        audited_window: spec.scan.window,
        findings,
    };
    match (args.format, kept) {
        (_, Some(Kept::Spool(spool))) => {
            super::write_with(args.output.as_deref(), |w| spool.write(&report, w))?
        }
        (_, Some(Kept::Csv(spool))) => {
            super::write_with(args.output.as_deref(), |w| spool.write(&report, w))?
        }
        // The machine contract can be large (every group of a big table): streamed.
        (Format::Json, _) => {
            super::write_with(args.output.as_deref(), |w| report.write_json(w, JSON_CHUNK))?
        }
        (format, kept) => {
            if let Some(Kept::Findings(by_class)) = kept {
                report.findings.findings = by_class.into_list();
            }
            let text = report.render(format, RenderOptions { limit: args.limit });
            super::write_output(args.output.as_deref(), &text)?
        }
    }
    if let Some((path, previous)) = &state {
        let mark = Watermark {
            format_version: 1,
            source: report.source.location.clone(),
            results: report.source.results.clone(),
            until,
        };
        if let Some(p) = previous {
            if (&p.source, &p.results) != (&mark.source, &mark.results) {
                return Err(Error::Usage(format!(
                    "{} records runs of {} ({}), not of this source; use another state file",
                    path.display(),
                    p.source,
                    p.results
                )));
            }
        }
        mark.write(path)?;
    }

    let failing = fail_on
        .iter()
        .any(|&(class, threshold)| report.groups(class) >= threshold);
    Ok(if failing { exit::FINDINGS } else { exit::CLEAN })
}

/// Reads the spec. The default `dupaudit.toml` may be absent when the source is
/// given on the command line: the built-in defaults then describe the schema.
pub fn load_spec(path: &Path, connect: &ConnectOpts) -> Result<AuditSpec, Error> {
    let source_given = connect.database_url.is_some() || connect.results_file.is_some();
    if path == Path::new("dupaudit.toml") && !path.exists() && source_given {
        return Ok(AuditSpec::default());
    }
    AuditSpec::load(path)
}

pub fn source_options(c: &ConnectOpts) -> SourceOptions {
    SourceOptions {
        database_url: c.database_url.clone(),
        results_file: c.results_file.clone(),
        log_file: c.log_file.clone(),
        connect_timeout: Some(c.connect_timeout),
        statement_timeout: Some(c.statement_timeout).filter(|d| !d.is_zero()),
        partitions: 1,
        log_url: c.log_url.clone(),
        log_ca: c.log_ca.clone(),
    }
}

/// What an incremental audit remembers between runs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Watermark {
    format_version: u32,
    /// The source and results table it was taken on (without password).
    source: String,
    results: String,
    /// The end of the window the last successful run audited.
    until: chrono::DateTime<Utc>,
}

impl Watermark {
    /// The last run's watermark; `None` before the first run.
    fn read(path: &Path) -> Result<Option<Watermark>, Error> {
        if !path.exists() {
            return Ok(None);
        }
        let bytes =
            crate::vocab::read_bounded(path, MAX_STATE_BYTES).map_err(|message| Error::File {
                file: path.to_path_buf(),
                message,
            })?;
        let text = String::from_utf8_lossy(&bytes);
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Error::File {
                file: path.to_path_buf(),
                message: format!("not a dupaudit state file: {e}"),
            })
    }

    fn write(&self, path: &Path) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(self).expect("a watermark serialises") + "\n";
        super::write_output(Some(path), &text)
    }
}
