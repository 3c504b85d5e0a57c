//! `restore RUN` and `runs`: a run's rows back from quarantine, and the list of runs.
//!
//! In: the database and the spec's cleanup tables. Out: a [`RestoreOutcome`] (the
//! rows put back, in one transaction, or with `--dry-run` the rows that would be)
//! or the [`RunRecord`]s of the runs table.

use chrono::Utc;
use serde::Serialize;
use sqlx::Connection;

use crate::error::Error;
use crate::source::DatabaseSource;
use crate::spec::{AuditSpec, CleanupSpec};

use super::store::{RunRecord, Store, Timeouts, QUARANTINE_META};

/// What a restore did (or, dry, would do).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreOutcome {
    pub run_id: String,
    pub dry_run: bool,
    /// The run had been restored before; nothing was done.
    pub already_restored: bool,
    pub rows_restored: u64,
    pub results_table: String,
    pub quarantine_table: String,
}

/// Puts every row `run` quarantined back into the results table, in one
/// transaction, and marks the run restored. Refuses when a quarantined row's
/// primary key is in the table again.
pub async fn restore(
    db: &DatabaseSource,
    spec: &AuditSpec,
    run_id: &str,
    dry_run: bool,
    timeouts: Timeouts,
) -> Result<RestoreOutcome, Error> {
    let db = db.writable();
    let mut conn = db.connect().await?;
    let probe = Store::new(
        &db,
        &spec.results.table_name(),
        &spec.results.primary_key,
        &spec.results.key,
        &spec.cleanup,
        None,
    );
    // One apply or restore at a time on the table; the run is read once it is held.
    let lock = match probe.session(&mut conn, timeouts).await {
        Ok(()) => probe.lock(&mut conn, timeouts.lock).await,
        Err(e) => Err(e),
    };
    let lock = match lock {
        Ok(lock) => lock,
        Err(e) => {
            let _ = conn.close().await;
            return Err(e);
        }
    };
    let result = async {
        let run = probe
            .runs(&mut conn, &spec.cleanup.runs_table, Some(run_id))
            .await?
            .pop()
            .ok_or_else(|| {
                Error::Usage(format!(
                    "no run `{run_id}` in {} on {}; `dupaudit runs` lists them",
                    spec.results.in_schema(&spec.cleanup.runs_table),
                    db.location()
                ))
            })?;
        let cleanup = CleanupSpec {
            quarantine_table: run.quarantine_table.clone(),
            journal_table: run.journal_table.clone(),
            ..spec.cleanup.clone()
        };
        // The run's tables are in the schema of the spec's results table, where
        // its runs table is.
        let results = spec.results.in_schema(&run.results_table);
        let quarantine = spec.results.in_schema(&run.quarantine_table);
        let mut store = Store::new(
            &db,
            &results,
            &spec.results.primary_key,
            &spec.results.key,
            &cleanup,
            None,
        );
        let mut outcome = RestoreOutcome {
            run_id: run.run_id.clone(),
            dry_run,
            already_restored: run.status == "restored",
            rows_restored: 0,
            results_table: run.results_table.clone(),
            quarantine_table: run.quarantine_table.clone(),
        };
        if outcome.already_restored {
            return Ok(outcome);
        }
        let columns = store.columns_of(&mut conn, &results).await?;
        let quarantined = store.columns_of(&mut conn, &quarantine).await?;
        if let Some(c) = columns.iter().find(|c| !quarantined.contains(c)) {
            return Err(Error::Usage(format!(
                "column `{c}` of {results} is not in the quarantine table {quarantine}: the table changed since the run; restore by hand"
            )));
        }
        if let Some(c) = quarantined
            .iter()
            .find(|c| !columns.contains(c) && !QUARANTINE_META.contains(&c.as_str()))
        {
            return Err(Error::Usage(format!(
                "column `{c}` of the quarantine table {quarantine} is no longer in {results}: restoring would lose it"
            )));
        }
        // A generated column is computed again from the columns put back, as it was
        // when the row was first written; the database refuses to be given it.
        let generated = store.generated_columns_of(&mut conn, &results).await?;
        let written: Vec<String> = columns
            .into_iter()
            .filter(|c| !generated.contains(c))
            .collect();
        store.set_columns(&written);
        store.begin(&mut conn).await?;
        let clashes = store
            .restore_clashes(&mut conn, run_id, spec.results.primary_key.len())
            .await?;
        if !clashes.is_empty() {
            let shown: Vec<String> = clashes.iter().take(10).map(|pk| pk.join(",")).collect();
            return Err(Error::Usage(format!(
                "{} quarantined row(s) of run {run_id} have a primary key that is in {results} again ({}{}); nothing was restored",
                clashes.len(),
                shown.join("; "),
                if clashes.len() > 10 { "; ..." } else { "" }
            )));
        }
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        outcome.rows_restored = store.restore_run(&mut conn, run_id, &now).await?;
        if dry_run {
            store.rollback(&mut conn).await?;
        } else {
            store.commit(&mut conn).await?;
        }
        Ok(outcome)
    }
    .await;
    if result.is_err() {
        let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
    }
    let unlocked = probe.unlock(&mut conn, lock).await;
    let _ = conn.close().await;
    let outcome = result?;
    unlocked.map(|()| outcome)
}

/// Every run recorded in the spec's runs table, oldest first.
pub async fn runs(db: &DatabaseSource, spec: &AuditSpec) -> Result<Vec<RunRecord>, Error> {
    let mut conn = db.connect().await?;
    let store = Store::new(
        db,
        &spec.results.table_name(),
        &spec.results.primary_key,
        &spec.results.key,
        &spec.cleanup,
        None,
    );
    let result = store.runs(&mut conn, &spec.cleanup.runs_table, None).await;
    let _ = conn.close().await;
    result
}
