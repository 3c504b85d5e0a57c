//! `dupaudit runs`: the cleanup runs the ledger records.

use crate::apply;
use crate::cli::{Cli, RunsArgs, StoryFormat};
use crate::error::{exit, Error};
use crate::output;
use crate::report::cleanup;
use crate::resolve;

pub async fn run(cli: &Cli, args: &RunsArgs) -> Result<u8, Error> {
    let (spec, db) = resolve::writing(cli, &args.write)?;
    let runs = apply::runs(&db, &spec).await?;
    let text = match args.format {
        StoryFormat::Table => cleanup::runs(&runs, &spec.cleanup.runs_table, &db.location()),
        StoryFormat::Json => output::json_text(&runs),
    };
    output::write_output(None, &text)?;
    Ok(exit::CLEAN)
}
