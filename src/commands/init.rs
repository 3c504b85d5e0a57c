//! `dupaudit init`: reads the columns of the user's tables (or files) and writes a
//! starter spec, so that a first scan of their own schema is two commands away.

use crate::cli::InitArgs;
use crate::error::{exit, Error};
use crate::init::{self, missing, starter_spec};
use crate::output;
use crate::resolve;
use crate::source::{Source, SourceOptions};
use crate::spec::AuditSpec;

pub async fn run(args: &InitArgs) -> Result<u8, Error> {
    if args.output.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{} exists; pass --force to overwrite it",
            args.output.display()
        )));
    }
    let opts: SourceOptions = resolve::source_options(&args.connect)?;
    if opts.database_url.is_none() && opts.results_file.is_none() {
        return Err(Error::Usage(
            "init needs a source: --database-url URL (or DATABASE_URL), or --results-file and --log-file".into(),
        ));
    }
    let source = Source::resolve(&opts, &AuditSpec::default(), std::path::Path::new(""))?;
    let (origin, tables) = init::survey(&source, &opts, args).await?;
    if tables.results_columns.is_empty() {
        return Err(Error::Usage(format!("{} has no columns", tables.results)));
    }
    let text = starter_spec(&origin, &tables);
    // What init writes must be a spec dupaudit reads.
    AuditSpec::parse(&text, &args.output)?;
    output::write_output(Some(&args.output), &text)?;
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
