//! What a cleanup did, for people: an apply's outcome, a restore's, and the runs
//! the ledger records. Their JSON forms are the outcomes themselves.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};

use crate::apply::{ApplyOutcome, RestoreOutcome, RunRecord};
use crate::plan::Plan;

/// What `apply` did to the database at `location`.
pub fn applied(o: &ApplyOutcome, plan: &Plan, location: &str) -> String {
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

/// What `restore` did.
pub fn restored(o: &RestoreOutcome) -> String {
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

/// The runs recorded in the ledger `table`.
pub fn runs(runs: &[RunRecord], table: &str, location: &str) -> String {
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
