//! `dupaudit apply PLAN`: the plan's removals, each group in a transaction, asked
//! for first unless `--yes` or `--dry-run`.

use crate::apply::{self, ApplyOptions};
use crate::cli::{ApplyArgs, StoryFormat};
use crate::confirm::confirm;
use crate::error::{exit, Error};
use crate::output;
use crate::plan::{self, Plan, PlanKey};
use crate::progress::Progress;
use crate::report::cleanup;
use crate::resolve;

pub async fn run(args: &ApplyArgs) -> Result<u8, Error> {
    let key = args.plan_key.as_deref().map(PlanKey::read).transpose()?;
    // A large plan takes tens of milliseconds to read and check: when nothing is
    // asked first and the database is named, the connection is opened meanwhile.
    // Nothing is written before the plan is read and checked, and the plan's errors
    // come first.
    let path = args.plan.clone();
    let reading = tokio::task::spawn_blocking(move || Plan::read(&path, key.as_ref()));
    let asks = !(args.yes || args.dry_run);
    let opening = async {
        match &args.write.database_url {
            Some(url) if !asks => {
                let db = resolve::database(url, None, &args.write)?;
                apply::connect(&db).await.map(Some)
            }
            _ => Ok(None),
        }
    };
    let (plan, opened) = tokio::join!(reading, opening);
    let plan = plan.map_err(|e| Error::Runtime(format!("reading the plan failed: {e}")))??;
    let opened = opened?;
    // The plan names its database; a URL given explicitly must name the same one
    // (apply checks), and is needed when the server wants a password.
    let url = match &args.write.database_url {
        Some(url) => url.clone(),
        None if plan.source.kind == "sqlite" => format!("sqlite://{}", plan.source.database),
        None => plan.source.location.clone(),
    };
    let db = resolve::database(&url, None, &args.write)?;
    let question = format!(
        "Remove {} rows in {} groups from {} in {}?",
        plan.rows_to_remove(),
        plan.groups.len(),
        plan.source.table,
        db.location()
    );
    let what = format!(
        "{}Plan file {}, checksum {}.",
        plan::contents_text(&plan),
        args.plan.display(),
        &plan.checksum[..16]
    );
    confirm(&what, &question, args.yes || args.dry_run)?;
    let opts = ApplyOptions {
        dry_run: args.dry_run,
        on_drift: args.on_drift,
        batch_size: args.batch_size,
        timeouts: resolve::timeouts(&args.write),
        applied_by: apply::who(),
    };
    let progress = Progress::new(false);
    let outcome = apply::apply(&db, opened, &plan, &opts, &progress).await;
    progress.finish();
    let outcome = outcome?;
    let text = match args.format {
        StoryFormat::Table => cleanup::applied(&outcome, &plan, &db.location()),
        StoryFormat::Json => output::json_text(&outcome),
    };
    output::write_output(None, &text)?;
    Ok(exit::CLEAN)
}
