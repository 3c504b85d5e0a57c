//! `dupaudit scan`: spec → source → scan → report, and the exit code.

use std::path::Path;
use std::time::Instant;

use chrono::Utc;

use crate::cli::{Cli, ConnectOpts, ScanArgs};
use crate::error::{exit, Error};
use crate::findings::Class;
use crate::report::{RenderOptions, Report, FORMAT_VERSION};
use crate::source::{Source, SourceOptions};
use crate::spec::AuditSpec;

pub async fn run(cli: &Cli, args: &ScanArgs) -> Result<u8, Error> {
    let mut spec = load_spec(&cli.spec, &args.connect)?;
    if !args.classes.is_empty() {
        spec.scan.cross_key = args.classes.contains(&Class::CrossKey);
        spec.scan.classes = args.classes.clone();
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
        findings,
    };
    let text = report.render(args.format, RenderOptions { limit: args.limit });
    super::write_output(args.output.as_deref(), &text)?;

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
