//! `dupaudit apply PLAN`, `dupaudit restore RUN` and `dupaudit runs`: the commands
//! that change the database, each asking first unless `--yes`.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};

use crate::apply::{self, ApplyOptions, ApplyOutcome, RestoreOutcome, RunRecord, Timeouts};
use crate::cli::{ApplyArgs, Cli, RestoreArgs, RunsArgs, StoryFormat, WriteOpts};
use crate::error::{exit, Error};
use crate::plan::{Plan, PlanKey};
use crate::source::{DatabaseOptions, DatabaseSource};
use crate::spec::AuditSpec;

pub async fn apply(args: &ApplyArgs) -> Result<u8, Error> {
    let key = args.plan_key.as_deref().map(PlanKey::read).transpose()?;
    let plan = Plan::read(&args.plan, key.as_ref())?;
    // The plan names its database; a URL given explicitly must name the same one
    // (apply checks), and is needed when the server wants a password.
    let url = match &args.write.database_url {
        Some(url) => url.clone(),
        None if plan.source.kind == "sqlite" => format!("sqlite://{}", plan.source.database),
        None => plan.source.location.clone(),
    };
    let db = database(&url, None, &args.write)?;
    confirm(
        &format!(
            "Remove {} rows in {} groups from {} in {}?",
            plan.rows_to_remove(),
            plan.groups.len(),
            plan.source.table,
            db.location()
        ),
        args.yes || args.dry_run,
    )?;
    let opts = ApplyOptions {
        dry_run: args.dry_run,
        on_drift: args.on_drift,
        batch_size: args.batch_size,
        timeouts: timeouts(&args.write),
        applied_by: apply::who(),
    };
    let progress = crate::progress::Progress::new(false);
    let outcome = apply::apply(&db, &plan, &opts, &progress).await;
    progress.finish();
    let outcome = outcome?;
    let text = match args.format {
        StoryFormat::Table => apply_text(&outcome, &plan, &db.location()),
        StoryFormat::Json => json(&outcome),
    };
    super::write_output(None, &text)?;
    Ok(exit::CLEAN)
}

pub async fn restore(cli: &Cli, args: &RestoreArgs) -> Result<u8, Error> {
    let (spec, db) = spec_and_database(cli, &args.write)?;
    confirm(
        &format!(
            "Put the rows of run {} back into {} in {}?",
            args.run,
            spec.results.table_name(),
            db.location()
        ),
        args.yes || args.dry_run,
    )?;
    let outcome =
        apply::restore(&db, &spec, &args.run, args.dry_run, timeouts(&args.write)).await?;
    let text = match args.format {
        StoryFormat::Table => restore_text(&outcome),
        StoryFormat::Json => json(&outcome),
    };
    super::write_output(None, &text)?;
    Ok(exit::CLEAN)
}

pub async fn runs(cli: &Cli, args: &RunsArgs) -> Result<u8, Error> {
    let (spec, db) = spec_and_database(cli, &args.write)?;
    let runs = apply::runs(&db, &spec).await?;
    let text = match args.format {
        StoryFormat::Table => runs_text(&runs, &spec.cleanup.runs_table, &db.location()),
        StoryFormat::Json => json(&runs),
    };
    super::write_output(None, &text)?;
    Ok(exit::CLEAN)
}

/// The spec (optional when a URL is given) and the database: `--database-url`, or
/// the spec's.
fn spec_and_database(cli: &Cli, w: &WriteOpts) -> Result<(AuditSpec, DatabaseSource), Error> {
    let spec =
        if cli.spec == Path::new("dupaudit.toml") && !cli.spec.exists() && w.database_url.is_some()
        {
            AuditSpec::default()
        } else {
            AuditSpec::load(&cli.spec)?
        };
    let spec_dir = cli.spec.parent().unwrap_or(Path::new(""));
    let db = match (&w.database_url, &spec.source.database_url) {
        (Some(url), _) => database(url, None, w)?,
        (None, Some(url)) => database(url, Some(spec_dir), w)?,
        (None, None) => return Err(Error::NoSource),
    };
    Ok((spec, db))
}

fn database(url: &str, base: Option<&Path>, w: &WriteOpts) -> Result<DatabaseSource, Error> {
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

fn timeouts(w: &WriteOpts) -> Timeouts {
    Timeouts {
        lock: w.lock_timeout,
        statement: Some(w.statement_timeout).filter(|d| !d.is_zero()),
    }
}

/// Asks on the terminal; without one, `--yes` must have been given.
fn confirm(question: &str, given: bool) -> Result<(), Error> {
    if given {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "{question} This changes the database: pass --yes to confirm, or --dry-run to try it first"
        )));
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::Runtime(format!("cannot read the answer: {e}")))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(Error::Usage("not confirmed; nothing was changed".into())),
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("outcomes serialise") + "\n"
}

fn apply_text(o: &ApplyOutcome, plan: &Plan, location: &str) -> String {
    let run = o.run_id.clone().unwrap_or_default();
    if o.already_applied {
        return format!(
            "Plan {} was already applied by run {run} on {location}; nothing to do.\n",
            &plan.checksum[..16]
        );
    }
    let mut out = String::new();
    let what = format!(
        "{} rows in {} groups (of {} rows in {} groups planned)",
        o.rows_removed, o.groups_applied, o.rows_planned, o.groups_planned
    );
    if o.dry_run {
        out.push_str(&format!(
            "Dry run on {location}, rolled back: the apply would remove {what}, copying them to {}.\n",
            o.quarantine_table
        ));
    } else {
        out.push_str(&format!(
            "Run {run} on {location}: removed {what} in {} transaction(s); the rows are in {}.\n",
            o.batches, o.quarantine_table
        ));
    }
    if o.resumed {
        out.push_str(&format!(
            "Resumed run {run}: {} groups had been finished before it was interrupted.\n",
            o.groups_done_before
        ));
    }
    if !o.skipped.is_empty() {
        out.push_str(&format!(
            "Skipped {} group(s) that changed since the plan:\n",
            o.skipped.len()
        ));
        for d in &o.skipped {
            out.push_str(&format!(
                "  group {} ({}): {}\n",
                d.group,
                d.label,
                d.reasons.join("; ")
            ));
        }
    }
    if !o.dry_run && o.rows_removed > 0 {
        out.push_str(&format!("Undo with: dupaudit restore {run}\n"));
    }
    out
}

fn restore_text(o: &RestoreOutcome) -> String {
    if o.already_restored {
        return format!("Run {} was already restored; nothing to do.\n", o.run_id);
    }
    match o.dry_run {
        true => format!(
            "Dry run, rolled back: restoring run {} would put {} rows back into {} from {}.\n",
            o.run_id, o.rows_restored, o.results_table, o.quarantine_table
        ),
        false => format!(
            "Restored run {}: {} rows are back in {} and gone from {}.\n",
            o.run_id, o.rows_restored, o.results_table, o.quarantine_table
        ),
    }
}

fn runs_text(runs: &[RunRecord], table: &str, location: &str) -> String {
    if runs.is_empty() {
        return format!("No cleanup runs recorded in {table} on {location}.\n");
    }
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header([
        "run", "status", "started", "by", "plan", "groups", "removed", "skipped", "restored",
    ]);
    for r in runs {
        t.add_row([
            r.run_id.clone(),
            r.status.clone(),
            r.started_at.clone(),
            r.applied_by.clone(),
            r.plan_checksum.chars().take(12).collect(),
            format!("{}/{}", r.groups_applied, r.groups_planned),
            format!("{}/{}", r.rows_removed, r.rows_planned),
            r.groups_skipped.to_string(),
            r.rows_restored.map(|n| n.to_string()).unwrap_or_default(),
        ]);
    }
    format!("Cleanup runs in {table} on {location}:\n{t}\n")
}
