//! `dupaudit scan`: spec → source → scan → report, and the exit code.

use std::path::Path;
use std::time::Instant;

use chrono::Utc;

use crate::cli::{Cli, ConnectOpts, ScanArgs};
use crate::error::{exit, Error};
use crate::findings::Class;
use crate::report::{Format, RenderOptions, Report, FORMAT_VERSION};
use crate::source::{Source, SourceOptions};
use crate::spec::{AuditSpec, TimeWindow};

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
    let checks = spec.scan.checks();
    let fail_on = match &args.fail_on {
        Some(f) => f.0.clone(),
        None => [Class::Exact, Class::Conflict]
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
    let spec_dir = cli.spec.parent().unwrap_or(Path::new(""));
    let mut options = source_options(&args.connect);
    options.partitions = args.partitions;
    let source = Source::resolve(&options, &spec, spec_dir)?;

    let started = Instant::now();
    let progress = crate::progress::Progress::new(cli.quiet);
    let data = source.load(&spec, &progress).await;
    progress.finish();
    let data = data?;
    let as_of = args.as_of.unwrap_or_else(Utc::now);
    let findings = crate::scan::scan(&data, &spec, as_of);
    let report = Report {
        format_version: FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        generated_at: Utc::now(),
        source: source.info(&spec),
        spec: cli.spec.display().to_string(),
        scan_seconds: started.elapsed().as_secs_f64(),
        audited_window: spec.scan.window,
        findings,
    };
    match args.format {
        // The machine contract can be large (every group of a big table): streamed.
        Format::Json => super::write_with(args.output.as_deref(), |w| {
            serde_json::to_writer_pretty(&mut *w, &report)?;
            w.write_all(b"\n")
        })?,
        format => {
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
        let text = std::fs::read_to_string(path).map_err(|e| Error::File {
            file: path.to_path_buf(),
            message: e.to_string(),
        })?;
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
