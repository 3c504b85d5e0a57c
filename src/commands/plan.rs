//! `dupaudit plan`: the plan of a cleanup, written to its file and summarised.
//! Reads only.

use crate::audit;
use crate::cli::{Cli, PlanArgs, StoryFormat};
use crate::error::{exit, Error};
use crate::output;
use crate::plan::{self, PlanKey};
use crate::progress::Progress;
use crate::resolve;

pub async fn run(cli: &Cli, args: &PlanArgs) -> Result<u8, Error> {
    let key = args.plan_key.as_deref().map(PlanKey::read).transpose()?;
    let (spec, source, scope) = resolve::plan(cli, args)?;
    let progress = Progress::new(cli.quiet);
    let plan = audit::plan(&source, &spec, &args.keep, &scope, &progress).await?;
    let plan = match &key {
        Some(key) => plan.seal_signed(key),
        None => plan,
    };
    output::write_output(Some(&args.output), &plan.to_json())?;
    let shown = args.output.display().to_string();
    let text = match args.format {
        StoryFormat::Table => plan::summary_text(&plan, &shown),
        StoryFormat::Json => {
            let summary = serde_json::json!({
                "plan": shown,
                "checksum": plan.checksum,
                "source": plan.source,
                "summary": plan.summary,
            });
            serde_json::to_string_pretty(&summary).expect("a summary serialises") + "\n"
        }
    };
    output::write_output(None, &text)?;
    Ok(exit::CLEAN)
}
