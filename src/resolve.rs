//! Flags, environment and spec, resolved once, before anything runs.
//!
//! In: the parsed command line (with `DATABASE_URL`, `REDIS_URL` and the like read
//! by clap) and the spec file. Out: what a stage runs over: the spec as the source
//! reads it, the source, and for a scan its checks, window, the time staleness is
//! judged at and what fails it. The command line wins over the environment, which
//! wins over the spec's `[source]`. Nothing downstream changes what comes out of
//! here: a different question is a different spec, built by [`AuditSpec`]'s own
//! `with_*` constructors.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::apply::Timeouts;
use crate::cli::{Cli, ConnectOpts, PlanArgs, ScanArgs, WriteOpts};
use crate::error::Error;
use crate::findings::Class;
use crate::model::Key;
use crate::plan::PlanScope;
use crate::report::{RenderOptions, Report};
use crate::source::{DatabaseOptions, DatabaseSource, Source, SourceOptions};
use crate::spec::{AuditSpec, TimeWindow};
use crate::watermark::Incremental;

/// Reads the spec. The default `dupaudit.toml` may be absent when the source is
/// given on the command line: the built-in defaults then describe the schema.
pub fn spec(path: &Path, source_given: bool) -> Result<AuditSpec, Error> {
    if path == Path::new("dupaudit.toml") && !path.exists() && source_given {
        return Ok(AuditSpec::default());
    }
    AuditSpec::load(path)
}

/// The spec of a command that reads a source.
pub fn read_spec(cli: &Cli, connect: &ConnectOpts) -> Result<AuditSpec, Error> {
    spec(
        &cli.spec,
        connect.database_url.is_some() || connect.results_file.is_some(),
    )
}

pub fn source_options(c: &ConnectOpts) -> Result<SourceOptions, Error> {
    let (database_url, spark) = database_or_spark(c)?;
    Ok(SourceOptions {
        database_url,
        results_file: c.results_file.clone(),
        log_file: c.log_file.clone(),
        connect_timeout: Some(c.connect_timeout),
        statement_timeout: Some(c.statement_timeout).filter(|d| !d.is_zero()),
        partitions: 1,
        log_url: c.log_url.clone(),
        log_ca: c.log_ca.clone(),
        spark,
    })
}

/// The database URL or the Spark server, whichever names the source: a flag wins
/// over the other's environment variable (SPARK_REMOTE, read by every Spark client,
/// and DATABASE_URL are often set for other tools); two flags, or the two variables
/// without a flag, are refused rather than one silently chosen.
fn database_or_spark(c: &ConnectOpts) -> Result<(Option<String>, Option<String>), Error> {
    let (Some(database_url), Some(spark)) = (&c.database_url, &c.spark) else {
        return Ok((c.database_url.clone(), c.spark.clone()));
    };
    let from_env = |name: &str, value: &String| std::env::var(name).ok().as_ref() == Some(value);
    let (database_env, spark_env) = (
        from_env("DATABASE_URL", database_url),
        from_env("SPARK_REMOTE", spark),
    );
    match (database_env, spark_env) {
        (true, false) => Ok((None, Some(spark.clone()))),
        (false, true) => Ok((Some(database_url.clone()), None)),
        (false, false) => Err(Error::Usage(
            "--database-url and --spark name two sources; give one".into(),
        )),
        (true, true) => Err(Error::Usage(
            "DATABASE_URL and SPARK_REMOTE both name a source; say which with --database-url or --spark"
                .into(),
        )),
    }
}

/// The source `options` and the spec pick, and `spec` as that source reads it.
pub fn source(
    cli: &Cli,
    options: &SourceOptions,
    spec: &AuditSpec,
) -> Result<(AuditSpec, Source), Error> {
    let spec_dir = cli.spec.parent().unwrap_or(Path::new(""));
    let source = Source::resolve(options, spec, spec_dir)?;
    Ok((source.resolve_spec(spec), source))
}

/// The spec and source of `explain`, `plan` and `suggest-constraint`.
pub fn reading(cli: &Cli, connect: &ConnectOpts) -> Result<(AuditSpec, Source), Error> {
    let spec = read_spec(cli, connect)?;
    source(cli, &source_options(connect)?, &spec)
}

/// Resolves `dupaudit plan`: `--resolve-conflicts` over the spec's rule, the window
/// of `--since` and `--until`, the classes and keys it takes, then the source.
pub fn plan(cli: &Cli, args: &PlanArgs) -> Result<(AuditSpec, Source, PlanScope), Error> {
    let mut spec = read_spec(cli, &args.connect)?;
    if !args.resolve_conflicts.is_empty() {
        spec = spec.with_resolve_conflicts(args.resolve_conflicts.clone());
    }
    if args.since.is_some() || args.until.is_some() {
        let until = args.until.unwrap_or_else(Utc::now);
        spec = spec.with_window(Some(window(&spec, args.since, until)?));
    }
    let keys = |given: &[String]| -> Result<Vec<Key>, Error> {
        given
            .iter()
            .map(|k| crate::vocab::parse_key(std::slice::from_ref(k), &spec.results.key))
            .collect::<Result<_, _>>()
            .map_err(Error::Usage)
    };
    let scope = PlanScope::new(
        &args.classes,
        keys(&args.only_key)?,
        keys(&args.exclude_key)?,
        spec.cleanup.resolve_conflicts.is_some(),
    )
    .map_err(Error::Usage)?;
    let (spec, source) = source(cli, &source_options(&args.connect)?, &spec)?;
    Ok((spec, source, scope))
}

/// A scan, resolved.
pub struct ScanAudit {
    pub spec: AuditSpec,
    pub source: Source,
    /// The spec file, as the report names it.
    pub spec_path: String,
    /// The time staleness is judged at.
    pub as_of: DateTime<Utc>,
    /// Classes and how many groups of each fail the run.
    pub fail_on: Vec<(Class, u64)>,
    pub incremental: Option<Incremental>,
}

impl ScanAudit {
    /// Whether `report` fails the run (exit code 1).
    pub fn fails(&self, report: &Report) -> bool {
        !report.failing(&self.fail_on).is_empty()
    }
}

/// Resolves `dupaudit scan`: `--classes` over `[scan]`, the window of `--since`,
/// `--until` or `--incremental`'s state file, then the source.
pub fn scan(cli: &Cli, args: &ScanArgs) -> Result<ScanAudit, Error> {
    let mut spec = read_spec(cli, &args.connect)?;
    if !args.classes.is_empty() {
        let cross_key = args.classes.contains(&Class::CrossKey);
        spec = spec.with_checks(args.classes.clone(), cross_key);
    }
    let until = args.until.unwrap_or_else(Utc::now);
    let incremental = match &args.incremental {
        Some(path) => Some(Incremental::read(path, until)?),
        None => None,
    };
    let since = match &incremental {
        Some(state) => state.since(spec.log.lease),
        None => args.since,
    };
    if since.is_some() || args.until.is_some() {
        spec = spec.with_window(Some(window(&spec, since, until)?));
    }
    let mut options = source_options(&args.connect)?;
    options.partitions = args.partitions;
    let (spec, source) = source(cli, &options, &spec)?;
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
    Ok(ScanAudit {
        spec,
        source,
        spec_path: cli.spec.display().to_string(),
        as_of: args.as_of.unwrap_or_else(Utc::now),
        fail_on,
        incremental,
    })
}

/// How a scan's report is shaped for people: fitted to the terminal it is printed
/// on (as wide as it takes into a file, a pipe, or with `--wide`), with the verdict
/// of `--fail-on`.
pub fn render_options(args: &ScanArgs, audit: &ScanAudit) -> RenderOptions {
    let terminal = console::Term::stdout();
    let width = match (&args.output, args.wide) {
        (None, false) => terminal.size_checked().map(|(_, columns)| columns as usize),
        _ => None,
    };
    RenderOptions {
        limit: args.limit,
        width,
        details: args.details,
        fail_on: audit.fail_on.clone(),
    }
}

/// The window `[since, until)`: from the epoch when only `until` is given.
fn window(
    spec: &AuditSpec,
    since: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
) -> Result<TimeWindow, Error> {
    if spec.results.timestamp.is_none() {
        return Err(Error::Usage(
            "a time window needs results.timestamp in the spec: which column says when a row was written".into(),
        ));
    }
    let since = since.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    if since >= until {
        return Err(Error::Usage(format!(
            "the window is empty: --since {since} is not before --until {until}"
        )));
    }
    Ok(TimeWindow { since, until })
}

/// The spec (optional when a URL is given) and the database `apply`, `restore` and
/// `runs` write to: `--database-url`, or the spec's.
pub fn writing(cli: &Cli, w: &WriteOpts) -> Result<(AuditSpec, DatabaseSource), Error> {
    let spec = spec(&cli.spec, w.database_url.is_some())?;
    let spec_dir = cli.spec.parent().unwrap_or(Path::new(""));
    let db = match (&w.database_url, &spec.source.database_url) {
        (Some(url), _) => database(url, None, w)?,
        (None, Some(url)) => database(url, Some(spec_dir), w)?,
        (None, None) => return Err(Error::NoSource),
    };
    Ok((spec, db))
}

/// The database at `url` (relative SQLite paths from `base`), opened for writing.
pub fn database(url: &str, base: Option<&Path>, w: &WriteOpts) -> Result<DatabaseSource, Error> {
    DatabaseSource::new(
        url,
        base,
        DatabaseOptions {
            connect_timeout: w.connect_timeout,
            statement_timeout: None,
            partitions: 1,
        },
    )
}

pub fn timeouts(w: &WriteOpts) -> Timeouts {
    Timeouts {
        lock: w.lock_timeout,
        statement: Some(w.statement_timeout).filter(|d| !d.is_zero()),
    }
}
