//! `dupaudit init`: reads the columns of the user's tables (or files) and writes a
//! starter spec, so that a first scan of their own schema is two commands away.

use crate::cli::InitArgs;
use crate::error::{exit, Error};
use crate::init::{guess_tables, missing, starter_spec, status_column, Origin, Tables};
use crate::source::{redact_url, InitFacts, Source, SourceOptions};
use crate::spec::AuditSpec;
use crate::sql::TableName;

use super::scan::source_options;

pub async fn run(args: &InitArgs) -> Result<u8, Error> {
    if args.output.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{} exists; pass --force to overwrite it",
            args.output.display()
        )));
    }
    let opts: SourceOptions = source_options(&args.connect);
    if opts.database_url.is_none() && opts.results_file.is_none() {
        return Err(Error::Usage(
            "init needs a source: --database-url URL (or DATABASE_URL), or --results-file and --log-file".into(),
        ));
    }
    let source = Source::resolve(&opts, &AuditSpec::default(), std::path::Path::new(""))?;
    let (origin, tables) = match &source {
        Source::Redis(_) => {
            return Err(Error::Usage(
                "init reads the tables of a database or the columns of files; a log kept in Redis is described by hand in [log.redis] (see docs/sources.md)".into(),
            ))
        }
        Source::Database(db) => {
            let schema = args.schema.as_deref();
            let all = db.tables(schema).await?;
            let (guess_results, guess_log) = guess_tables(&all);
            let pick = |given: &Option<String>, guess: Option<&String>, what: &str| {
                given.clone().or_else(|| guess.cloned()).ok_or_else(|| {
                    Error::Usage(format!(
                        "cannot tell which table is the {what}; name it with --{}; tables there: {}",
                        if what == "results table" { "table" } else { "log-table" },
                        all.join(", ")
                    ))
                })
            };
            let results = pick(&args.table, guess_results, "results table")?;
            let log = pick(&args.log_table, guess_log, "idempotency log")?;
            let (results_table, log_table) = (
                TableName::new(schema, &results),
                TableName::new(schema, &log),
            );
            let log_columns = db.table_columns(&log_table).await?;
            let facts = db
                .init_facts(
                    &results_table,
                    &log_table,
                    status_column(&log_columns).map(String::as_str),
                )
                .await?;
            let tables = Tables {
                schema: args.schema.clone(),
                results_columns: db.table_columns(&results_table).await?,
                log_columns,
                results,
                log,
                facts,
            };
            let url = redact_url(opts.database_url.as_deref().unwrap_or_default());
            (Origin::Url(url), tables)
        }
        Source::Files(files) => {
            if let Some(schema) = &args.schema {
                return Err(Error::Usage(format!(
                    "--schema {schema} names a database schema, but init is reading files"
                )));
            }
            let (results_columns, log_columns) = files.columns()?;
            let statuses = match status_column(&log_columns) {
                Some(c) => files.log_values(c)?,
                None => Vec::new(),
            };
            let (r, l) = (
                opts.results_file.clone().unwrap(),
                opts.log_file.clone().unwrap(),
            );
            // Table names do not matter for files; the defaults keep the spec valid.
            let tables = Tables {
                schema: None,
                results: "results".into(),
                results_columns,
                log: "idempotency_log".into(),
                log_columns,
                facts: InitFacts {
                    statuses,
                    ..InitFacts::default()
                },
            };
            let absolute = |p: &std::path::Path| {
                std::fs::canonicalize(p)
                    .unwrap_or_else(|_| p.to_path_buf())
                    .display()
                    .to_string()
            };
            (
                Origin::Files {
                    results: absolute(&r),
                    log: absolute(&l),
                },
                tables,
            )
        }
    };
    if tables.results_columns.is_empty() {
        return Err(Error::Usage(format!("{} has no columns", tables.results)));
    }
    let text = starter_spec(&origin, &tables);
    // What init writes must be a spec dupaudit reads.
    AuditSpec::parse(&text, &args.output)?;
    super::write_output(Some(&args.output), &text)?;
    let missing = missing(&tables);
    if !missing.is_empty() {
        eprintln!(
            "found no column for {}: name {} in {} before scanning",
            missing.join(", "),
            if missing.len() == 1 { "it" } else { "them" },
            args.output.display()
        );
    }
    eprintln!(
        "wrote {} for {} and {}; check the lines marked GUESS, then run: dupaudit scan{}",
        args.output.display(),
        tables.results,
        tables.log,
        if args.output == std::path::Path::new("dupaudit.toml") {
            String::new()
        } else {
            format!(" --spec {}", args.output.display())
        }
    );
    Ok(exit::CLEAN)
}
