//! `dupaudit restore RUN`: a run's quarantined rows put back, asked for first
//! unless `--yes` or `--dry-run`.

use crate::apply;
use crate::cli::{Cli, RestoreArgs, StoryFormat};
use crate::confirm::confirm;
use crate::error::{exit, Error};
use crate::output;
use crate::report::cleanup;
use crate::resolve;

pub async fn run(cli: &Cli, args: &RestoreArgs) -> Result<u8, Error> {
    let (spec, db) = resolve::writing(cli, &args.write)?;
    let question = format!(
        "Put the rows of run {} back into {} in {}?",
        args.run,
        spec.results.table_name(),
        db.location()
    );
    let what = format!(
        "Restore puts the rows run {} removed back from the quarantine table {}.",
        args.run, spec.cleanup.quarantine_table
    );
    confirm(&what, &question, args.yes || args.dry_run)?;
    let timeouts = resolve::timeouts(&args.write);
    let outcome = apply::restore(&db, &spec, &args.run, args.dry_run, timeouts).await?;
    let text = match args.format {
        StoryFormat::Table => cleanup::restored(&outcome),
        StoryFormat::Json => output::json_text(&outcome),
    };
    output::write_output(None, &text)?;
    Ok(exit::CLEAN)
}
