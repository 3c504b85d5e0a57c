//! `apply`, `restore` and `runs`: the plan carried out on the database, reversibly.
//!
//! In: a [`Plan`] (already checked: format, checksum) and the database it names.
//! Out: an [`ApplyOutcome`] with the exact counts, the run recorded in the runs
//! table, and every removed row in the quarantine table.
//!
//! Steps of `apply`:
//! 1. Refuse a plan whose fingerprint scheme is not the one computed on this kind of
//!    database. Connect for writing; refuse a database that is not the plan's
//!    (identity) or a results table whose columns changed.
//! 2. Create the runs, journal and quarantine tables where missing (temporary ones
//!    for a dry run).
//! 3. A plan already applied is a no-op; a run of it that was interrupted is resumed.
//! 4. With several batches, compare every group with the database first, so that a
//!    refused apply changes nothing.
//! 5. Per batch, one transaction. On PostgreSQL one statement per chunk of groups
//!    locks and fingerprints every row of their keys, compares them with the rows
//!    the plan names, and moves the rows to remove of each group that matches into
//!    quarantine (a `DELETE … RETURNING` feeding the INSERT); the groups it left
//!    alone are read back to say why ([`judge`]). Elsewhere: lock the rows of the
//!    batch's keys and read back each one's primary key and fingerprint (computed
//!    from the columns read as text), judge each group against the plan, then move
//!    the rows to remove into quarantine. Journal the groups, count them in the run;
//!    commit (roll back for a dry run). The last batch closes the run in its
//!    transaction, and so journals nothing: once it commits there is nothing to
//!    resume.
//! 6. A plan of no groups closes its run on its own.

mod restore;
mod store;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::Utc;
use serde::Serialize;
use sqlx::{AnyConnection, Connection};

use crate::error::Error;
use crate::model::Key;
use crate::plan::{group_label, FingerprintScheme, Layout, Plan, PlanGroup};
use crate::progress::Progress;
use crate::source::DatabaseSource;
use crate::sql::Dialect;

pub use restore::{restore, runs, RestoreOutcome};
pub use store::{RunRecord, Store, TableLock, Timeouts};

/// What to do with a group whose rows changed since the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDrift {
    /// Apply nothing, name the groups (exit 4).
    Refuse,
    /// Leave those groups alone, apply the rest.
    Skip,
}

/// How to apply.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub dry_run: bool,
    pub on_drift: OnDrift,
    /// Rows removed per transaction (whole groups); 0: the whole plan in one.
    pub batch_size: u64,
    pub timeouts: Timeouts,
    /// Who runs it, for the runs table (`user@host`).
    pub applied_by: String,
}

/// A group left alone, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drifted {
    /// Position in the plan (0-based).
    pub group: usize,
    pub label: String,
    pub reasons: Vec<String>,
}

/// What an apply did (or, dry, would do).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplyOutcome {
    pub dry_run: bool,
    /// The run: new, resumed, or the one that already applied this plan.
    pub run_id: Option<String>,
    /// The plan had been applied by `run_id` already; nothing was done.
    pub already_applied: bool,
    /// An interrupted run of this plan was carried on.
    pub resumed: bool,
    pub groups_planned: u64,
    pub rows_planned: u64,
    pub groups_applied: u64,
    pub rows_removed: u64,
    /// Groups an earlier, interrupted run of this plan had finished.
    pub groups_done_before: u64,
    pub skipped: Vec<Drifted>,
    pub batches: u64,
    pub quarantine_table: String,
}

/// A row of a planned key as apply reads it back, locked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRow {
    pub pk: Vec<String>,
    pub key: Option<Key>,
    /// By the plan's fingerprint scheme.
    pub fingerprint: String,
}

/// How one group compares with the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Everything as planned: remove these rows.
    Remove(Vec<Vec<String>>),
    /// An earlier run of this plan finished the group.
    DoneBefore,
    /// Something changed; nothing of the group may be touched.
    Drift(Vec<String>),
}

impl Verdict {
    /// The group is as the plan left it: its rows to remove go.
    fn as_planned(group: &PlanGroup) -> Verdict {
        Verdict::Remove(group.remove.iter().map(|r| r.pk.clone()).collect())
    }
}

/// A group against the rows its key has now. The keeper must be there unchanged,
/// every row to remove must be there unchanged, and no row the plan does not know
/// may have appeared under the key. Any difference is drift, named.
pub fn judge(group: &PlanGroup, live: &[&LiveRow]) -> Verdict {
    let mut reasons = Vec::new();
    let find = |pk: &Vec<String>| live.iter().find(|r| &r.pk == pk);
    let pk_text = |pk: &[String]| pk.join(",");
    match find(&group.keeper.pk) {
        None => reasons.push(format!("keeper {} was deleted", pk_text(&group.keeper.pk))),
        Some(r) if r.fingerprint != group.keeper.fingerprint => {
            reasons.push(format!("keeper {} changed", pk_text(&group.keeper.pk)))
        }
        Some(_) => {}
    }
    for row in &group.remove {
        match find(&row.pk) {
            None => reasons.push(format!(
                "row {} was deleted by something other than this plan",
                pk_text(&row.pk)
            )),
            Some(r) if r.fingerprint != row.fingerprint => {
                reasons.push(format!("row {} changed", pk_text(&row.pk)))
            }
            Some(_) => {}
        }
    }
    for r in live {
        let known = r.pk == group.keeper.pk || group.remove.iter().any(|x| x.pk == r.pk);
        if !known {
            reasons.push(format!("new row {} under the key", pk_text(&r.pk)));
        }
    }
    if reasons.is_empty() {
        Verdict::as_planned(group)
    } else {
        Verdict::Drift(reasons)
    }
}

/// Opens apply's connection to `db`, on its writable URL.
pub async fn connect(db: &DatabaseSource) -> Result<(DatabaseSource, AnyConnection), Error> {
    let db = db.writable();
    let conn = db.connect().await?;
    Ok((db, conn))
}

/// Carries out the plan (see the module's steps) on `opened`, a connection from
/// [`connect`] to `db`, or on one of its own when there is none.
pub async fn apply(
    db: &DatabaseSource,
    opened: Option<(DatabaseSource, AnyConnection)>,
    plan: &Plan,
    opts: &ApplyOptions,
    progress: &Progress,
) -> Result<ApplyOutcome, Error> {
    let violations = plan.violations();
    if !violations.is_empty() {
        let mut lines: Vec<&str> = violations.iter().map(String::as_str).take(20).collect();
        let more = format!("... and {} more", violations.len().saturating_sub(20));
        if violations.len() > 20 {
            lines.push(&more);
        }
        return Err(Error::Refused {
            message: format!(
                "the plan breaks what apply holds whatever a plan says (it keeps every \
                 keeper, plans each key and names each row once); nothing was changed:\n  {}",
                lines.join("\n  ")
            ),
        });
    }
    let (db, mut conn) = match opened {
        Some(opened) => opened,
        None => connect(db).await?,
    };
    let result = apply_on(&db, &mut conn, plan, opts, progress).await;
    if result.is_err() {
        let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
    }
    let _ = conn.close().await;
    result
}

async fn apply_on(
    db: &DatabaseSource,
    conn: &mut AnyConnection,
    plan: &Plan,
    opts: &ApplyOptions,
    progress: &Progress,
) -> Result<ApplyOutcome, Error> {
    let spec = &plan.spec;
    let cleanup = &spec.cleanup;
    // 1.
    let scheme = FingerprintScheme::of(db.dialect());
    if plan.fingerprint_scheme != scheme {
        return Err(Error::Plan {
            file: "the plan".into(),
            message: format!(
                "its rows are fingerprinted by `{}`, but apply on {} computes `{scheme}`; make the plan again with this version",
                plan.fingerprint_scheme,
                db.location()
            ),
        });
    }
    let layout = Layout::new(spec, plan.columns.clone(), &[]).map_err(|column| Error::Plan {
        file: "the plan".into(),
        message: format!("its columns do not include `{column}`, which its spec names"),
    })?;
    let results = spec.results.table_name();
    let mut store = Store::new(
        db,
        &results,
        &spec.results.primary_key,
        &spec.results.key,
        cleanup,
        Some(layout),
    );
    store.session(conn, opts.timeouts).await?;
    store.prepare(conn).await?;
    // One apply or restore at a time on the table: a second one waits here, then
    // finds the plan applied; only the process that owns a run writes its status.
    progress.phase("waiting for other applies on the table");
    let lock = store.lock(conn, opts.timeouts.lock).await?;
    let outcome = apply_locked(db, conn, &mut store, plan, opts, progress).await;
    if outcome.is_err() {
        let _ = store.rollback(conn).await;
    }
    store.unlock(conn, lock).await?;
    outcome
}

/// [`apply_on`], the table's lock held.
async fn apply_locked(
    db: &DatabaseSource,
    conn: &mut AnyConnection,
    store: &mut Store<'_>,
    plan: &Plan,
    opts: &ApplyOptions,
    progress: &Progress,
) -> Result<ApplyOutcome, Error> {
    let spec = &plan.spec;
    let cleanup = &spec.cleanup;
    let results = spec.results.table_name();

    progress.phase("checking the database is the plan's");
    let live = store.identity(conn, &results).await?;
    if let Some(why) = plan.source.mismatch(&live) {
        return Err(Error::ForeignPlan {
            location: db.location(),
            message: why,
        });
    }
    let columns = store.columns_of(conn, &results).await?;
    if columns != plan.columns {
        return Err(Error::ForeignPlan {
            location: db.location(),
            message: format!(
                "the columns of `{results}` changed since the plan: plan ({}), now ({})",
                plan.columns.join(", "),
                columns.join(", ")
            ),
        });
    }

    // 2.
    store.ensure_tables(conn, cleanup, opts.dry_run).await?;
    let mut outcome = ApplyOutcome {
        dry_run: opts.dry_run,
        run_id: None,
        already_applied: false,
        resumed: false,
        groups_planned: plan.groups.len() as u64,
        rows_planned: plan.rows_to_remove(),
        groups_applied: 0,
        rows_removed: 0,
        groups_done_before: 0,
        skipped: Vec::new(),
        batches: 0,
        quarantine_table: cleanup.quarantine_table.clone(),
    };

    // 3.
    let earlier = store.runs_of_plan(conn, &plan.checksum).await?;
    if let Some((run, _)) = earlier.iter().find(|(_, status)| status == "applied") {
        outcome.run_id = Some(run.clone());
        outcome.already_applied = true;
        return Ok(outcome);
    }
    // A run stopped by a crash or by drift in a later batch is carried on: its
    // journal says which groups it finished.
    let resumed = earlier
        .iter()
        .find(|(_, status)| status == "running" || status == "refused")
        .map(|(run, _)| run.clone());
    outcome.resumed = resumed.is_some();
    let run_id = resumed.unwrap_or_else(new_run_id);
    outcome.run_id = Some(run_id.clone());

    let batches = batches(plan, opts.batch_size);
    // 4.
    if batches.len() > 1 && opts.on_drift == OnDrift::Refuse {
        progress.phase("comparing every group with the database");
        let mut drifted = Vec::new();
        for batch in &batches {
            let verdicts =
                judge_batch(store, conn, plan, &run_id, batch, false, outcome.resumed).await?;
            drifted.extend(drift_of(plan, &verdicts));
        }
        if !drifted.is_empty() {
            return Err(Error::Drift {
                groups: drifted.len(),
                done: "nothing was changed".into(),
                details: drift_lines(&drifted),
            });
        }
    }
    if !opts.dry_run && !outcome.resumed {
        let applied_by = applied_by(&opts.applied_by, &store.database_user(conn).await);
        store
            .run_insert(
                conn,
                &run_id,
                &plan.checksum,
                &spec.results.table,
                cleanup,
                &now(),
                &applied_by,
                outcome.groups_planned,
                outcome.rows_planned,
            )
            .await?;
    }

    // 5.
    progress.phase(if opts.dry_run {
        "removing rows (dry run: each batch rolled back)"
    } else {
        "removing rows"
    });
    for (i, batch) in batches.iter().enumerate() {
        // The last batch closes the run in its own transaction: once it commits the
        // run is applied, and there is nothing left to resume, so its groups need
        // no journal.
        let last = i + 1 == batches.len();
        store.begin(conn).await?;
        // PostgreSQL compares and moves a batch in one statement; elsewhere the rows
        // are read and judged here, then moved.
        let moved = match store.dialect() {
            Dialect::Postgres => {
                let moved = move_batch(store, conn, plan, &run_id, batch, outcome.resumed).await;
                let (removed, groups) = (outcome.rows_removed, batch.len() as u64);
                Some(or_refused(moved, store, conn, opts, &run_id, removed, groups).await?)
            }
            _ => None,
        };
        let verdicts = match &moved {
            Some((verdicts, _)) => verdicts.clone(),
            None => judge_batch(store, conn, plan, &run_id, batch, true, outcome.resumed).await?,
        };
        let drifted = drift_of(plan, &verdicts);
        if !drifted.is_empty() && opts.on_drift == OnDrift::Refuse {
            let done = refuse_batch(
                store,
                conn,
                opts,
                &run_id,
                outcome.rows_removed,
                drifted.len() as u64,
            )
            .await?;
            return Err(Error::Drift {
                groups: drifted.len(),
                done,
                details: drift_lines(&drifted),
            });
        }
        let mut applied = Vec::new();
        let mut rows = 0u64;
        let removals: Vec<(usize, Vec<Vec<String>>)> = verdicts
            .into_iter()
            .filter_map(|(g, v)| match v {
                Verdict::Remove(pks) => Some((g, pks)),
                Verdict::DoneBefore => {
                    outcome.groups_done_before += 1;
                    None
                }
                Verdict::Drift(_) => None,
            })
            .collect();
        for chunk in removals.chunks(store.keys_per_statement()) {
            if moved.is_none() {
                let groups: Vec<(usize, &PlanGroup)> =
                    chunk.iter().map(|(g, _)| (*g, &plan.groups[*g])).collect();
                let moved = store
                    .quarantine_and_delete(conn, &run_id, &now(), &groups)
                    .await;
                let (removed, groups) = (outcome.rows_removed, chunk.len() as u64);
                rows += or_refused(moved, store, conn, opts, &run_id, removed, groups).await?;
            }
            let groups: Vec<usize> = chunk.iter().map(|(g, _)| *g).collect();
            if !last {
                store.journal_add(conn, &run_id, &groups).await?;
            }
            applied.extend(groups);
        }
        if let Some((_, n)) = moved {
            rows = n;
        }
        if !opts.dry_run {
            store
                .run_progress(conn, &run_id, applied.len() as u64, rows)
                .await?;
            if last {
                let skipped = outcome.skipped.len() + drifted.len();
                store
                    .run_finish(conn, &run_id, "applied", &now(), skipped as u64)
                    .await?;
            }
        }
        if opts.dry_run {
            store.rollback(conn).await?;
        } else {
            store.commit(conn).await?;
        }
        progress.rows(rows);
        outcome.batches += 1;
        outcome.groups_applied += applied.len() as u64;
        outcome.rows_removed += rows;
        outcome.skipped.extend(drifted);
    }

    // 6. (A plan of no groups has no batch to close the run in.)
    if !opts.dry_run && batches.is_empty() {
        store
            .run_finish(
                conn,
                &run_id,
                "applied",
                &now(),
                outcome.skipped.len() as u64,
            )
            .await?;
    }
    Ok(outcome)
}

/// Plan positions split into batches of whole groups holding about `size` rows to
/// remove each (the whole plan when `size` is 0).
fn batches(plan: &Plan, size: u64) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut current = Vec::new();
    let mut rows = 0u64;
    for (i, g) in plan.groups.iter().enumerate() {
        current.push(i);
        rows += g.remove.len() as u64;
        if size > 0 && rows >= size {
            out.push(std::mem::take(&mut current));
            rows = 0;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Rolls back a batch that may not stand and records the run as refused (a dry run
/// records nothing); says what stands of the run.
async fn refuse_batch(
    store: &Store<'_>,
    conn: &mut AnyConnection,
    opts: &ApplyOptions,
    run_id: &str,
    removed_before: u64,
    groups: u64,
) -> Result<String, Error> {
    store.rollback(conn).await?;
    if !opts.dry_run {
        store
            .run_finish(conn, run_id, "refused", &now(), groups)
            .await?;
    }
    Ok(match (opts.dry_run, removed_before) {
        (true, _) | (false, 0) => "nothing was changed".to_string(),
        (false, n) => format!(
            "the {n} rows removed by the batches committed before it stay in quarantine under run {run_id}"
        ),
    })
}

/// `result`, unless the database refused the batch: then it is rolled back and the
/// run recorded as refused ([`refuse_batch`]), and the error says what stands.
async fn or_refused<T>(
    result: Result<T, Error>,
    store: &Store<'_>,
    conn: &mut AnyConnection,
    opts: &ApplyOptions,
    run_id: &str,
    removed_before: u64,
    groups: u64,
) -> Result<T, Error> {
    match result {
        Err(Error::Refused { message }) => {
            let done = refuse_batch(store, conn, opts, run_id, removed_before, groups).await?;
            Err(Error::Refused {
                message: format!("{message}; {done}"),
            })
        }
        other => other,
    }
}

/// PostgreSQL: a batch compared with the database and carried out in one
/// statement per chunk of groups ([`Store::move_unless_drifted`]), inside the
/// batch's transaction. Gives back each group's verdict and the rows moved. The
/// groups the statement left alone are read back (locked already) to say why; those
/// a resumed run's journal holds were finished by the interrupted run. The journal
/// is read after the locks are held, as [`judge_batch`] does.
async fn move_batch(
    store: &Store<'_>,
    conn: &mut AnyConnection,
    plan: &Plan,
    run_id: &str,
    batch: &[usize],
    resumed: bool,
) -> Result<(Vec<(usize, Verdict)>, u64), Error> {
    let mut verdicts = Vec::with_capacity(batch.len());
    let mut moved = 0;
    for chunk in batch.chunks(store.keys_per_statement()) {
        let groups: Vec<(usize, &PlanGroup)> =
            chunk.iter().map(|&g| (g, &plan.groups[g])).collect();
        let (n, drifted) = store
            .move_unless_drifted(conn, run_id, &now(), &groups)
            .await?;
        moved += n;
        let mut drifted: Vec<usize> = drifted.into_iter().collect();
        drifted.sort_unstable();
        let done = match resumed && !drifted.is_empty() {
            true => store.journal_done(conn, run_id, &drifted).await?,
            false => HashSet::new(),
        };
        drifted.retain(|g| !done.contains(g));
        let keys: Vec<Key> = drifted
            .iter()
            .map(|&g| plan.groups[g].key.clone())
            .collect();
        let rows = match keys.is_empty() {
            true => Vec::new(),
            false => store.live_rows_of_keys(conn, &keys, true).await?,
        };
        let by_key = by_key(&rows);
        for &g in chunk {
            let group = &plan.groups[g];
            let verdict =
                if done.contains(&g) {
                    Verdict::DoneBefore
                } else if drifted.binary_search(&g).is_ok() {
                    let live = by_key
                        .get(&group.key)
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    match judge(group, live) {
                        Verdict::Remove(_) => Verdict::Drift(vec![
                            "its rows' fingerprints are not the plan's".to_string(),
                        ]),
                        other => other,
                    }
                } else {
                    Verdict::as_planned(group)
                };
            verdicts.push((g, verdict));
        }
    }
    Ok((verdicts, moved))
}

/// Reads (and, inside a transaction, locks) the rows of a batch's keys and judges
/// every group of the batch. The journal of a resumed run is read after the locks
/// are held, so that a session of the interrupted run that was still committing
/// when this one started is seen as done, not as drift; a new run has no journal
/// to read.
async fn judge_batch(
    store: &Store<'_>,
    conn: &mut AnyConnection,
    plan: &Plan,
    run_id: &str,
    batch: &[usize],
    lock: bool,
    resumed: bool,
) -> Result<Vec<(usize, Verdict)>, Error> {
    let mut verdicts = Vec::with_capacity(batch.len());
    for chunk in batch.chunks(store.keys_per_statement()) {
        // PostgreSQL compares the rows with the plan itself and names the groups
        // that differ; only their rows are read back, to say why.
        let flagged = match store.dialect() {
            Dialect::Postgres => {
                let groups: Vec<(usize, &PlanGroup)> =
                    chunk.iter().map(|&g| (g, &plan.groups[g])).collect();
                Some(store.drifted_groups(conn, &groups, lock).await?)
            }
            _ => None,
        };
        let read: Vec<usize> = match &flagged {
            Some(f) => chunk.iter().copied().filter(|g| f.contains(g)).collect(),
            None => chunk.to_vec(),
        };
        let keys: Vec<Key> = read.iter().map(|&g| plan.groups[g].key.clone()).collect();
        let rows = match keys.is_empty() {
            true => Vec::new(),
            false => store.live_rows_of_keys(conn, &keys, lock).await?,
        };
        let done = match resumed {
            true => store.journal_done(conn, run_id, chunk).await?,
            false => HashSet::new(),
        };
        let by_key = by_key(&rows);
        for &g in chunk {
            let group = &plan.groups[g];
            if done.contains(&g) {
                verdicts.push((g, Verdict::DoneBefore));
            } else if flagged.as_ref().is_some_and(|f| !f.contains(&g)) {
                verdicts.push((g, Verdict::as_planned(group)));
            } else {
                let live = by_key
                    .get(&group.key)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                verdicts.push((g, judge(group, live)));
            }
        }
    }
    Ok(verdicts)
}

/// Live rows by their key.
fn by_key(rows: &[LiveRow]) -> HashMap<&Key, Vec<&LiveRow>> {
    let mut by_key: HashMap<&Key, Vec<&LiveRow>> = HashMap::new();
    for r in rows {
        if let Some(k) = &r.key {
            by_key.entry(k).or_default().push(r);
        }
    }
    by_key
}

fn drift_of(plan: &Plan, verdicts: &[(usize, Verdict)]) -> Vec<Drifted> {
    verdicts
        .iter()
        .filter_map(|(g, v)| match v {
            Verdict::Drift(reasons) => Some(Drifted {
                group: *g,
                label: group_label(&plan.groups[*g]),
                reasons: reasons.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// The drifted groups, one line each, the first 20.
fn drift_lines(drifted: &[Drifted]) -> String {
    let mut lines: Vec<String> = drifted
        .iter()
        .take(20)
        .map(|d| {
            format!(
                "  group {} ({}): {}",
                d.group,
                d.label,
                d.reasons.join("; ")
            )
        })
        .collect();
    if drifted.len() > 20 {
        lines.push(format!("  ... and {} more", drifted.len() - 20));
    }
    lines.join("\n")
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// `20261129T130501Z-3fa9c2`: sortable by time, unique among runs started in the
/// same second.
fn new_run_id() -> String {
    format!(
        "{}-{:06x}",
        Utc::now().format("%Y%m%dT%H%M%SZ"),
        rand::random::<u32>() & 0xff_ffff
    )
}

/// `user@host` of whoever runs dupaudit, for the runs table.
pub fn who() -> String {
    let user = os_user().unwrap_or_else(|| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    if host.is_empty() {
        user
    } else {
        format!("{user}@{host}")
    }
}

/// The name of the operating-system user running dupaudit: its account's, as the
/// password database has it (cron and sudo leave `USER` unset or stale), else
/// `USER` or `LOGNAME`.
fn os_user() -> Option<String> {
    #[cfg(unix)]
    {
        let uid = unsafe { libc::getuid() };
        let mut buffer = vec![0 as libc::c_char; 4096];
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is to memory of this frame, `buffer.len()` bytes long
        // for the strings; `found` is either null or `&entry`.
        let code = unsafe {
            libc::getpwuid_r(
                uid,
                &mut entry,
                buffer.as_mut_ptr(),
                buffer.len(),
                &mut found,
            )
        };
        if code == 0 && !found.is_null() && !entry.pw_name.is_null() {
            // SAFETY: getpwuid_r wrote a NUL-terminated name into `buffer`.
            let name = unsafe { std::ffi::CStr::from_ptr(entry.pw_name) };
            return Some(name.to_string_lossy().into_owned());
        }
    }
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
}

/// Who ran an apply, as the runs table records it: the operating-system user and,
/// where the database has users, the one dupaudit connected as.
fn applied_by(os: &str, database: &Option<String>) -> String {
    match database {
        Some(user) => format!("{os} as {user}"),
        None => os.to_string(),
    }
}

/// Waits this long for row locks unless told otherwise.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Class;
    use crate::plan::PlannedRow;

    fn planned(pk: &str, fp: &str) -> PlannedRow {
        PlannedRow {
            pk: vec![pk.into()],
            fingerprint: fp.into(),
            attempt: None,
            attempt_status: None,
            written_at: None,
            payload_hash: "h".into(),
        }
    }

    fn group() -> PlanGroup {
        PlanGroup {
            class: Class::Exact,
            key: vec!["k".into()],
            keeper: planned("1", "f1"),
            remove: vec![planned("2", "f2"), planned("3", "f3")],
            decided_by: "earliest".into(),
        }
    }

    fn live(rows: &[(&str, &str)]) -> Vec<LiveRow> {
        rows.iter()
            .map(|(pk, fp)| LiveRow {
                pk: vec![pk.to_string()],
                key: Some(vec!["k".into()]),
                fingerprint: fp.to_string(),
            })
            .collect()
    }

    fn verdict(rows: &[(&str, &str)]) -> Verdict {
        let rows = live(rows);
        let refs: Vec<&LiveRow> = rows.iter().collect();
        judge(&group(), &refs)
    }

    #[test]
    fn unchanged_group_removes_exactly_the_planned_rows_never_the_keeper() {
        assert_eq!(
            verdict(&[("1", "f1"), ("2", "f2"), ("3", "f3")]),
            Verdict::Remove(vec![vec!["2".into()], vec!["3".into()]])
        );
    }

    #[test]
    fn every_kind_of_drift_is_named() {
        let reasons = |v: Verdict| match v {
            Verdict::Drift(r) => r.join("; "),
            other => panic!("expected drift, got {other:?}"),
        };
        assert!(reasons(verdict(&[("2", "f2"), ("3", "f3")])).contains("keeper 1 was deleted"));
        assert!(
            reasons(verdict(&[("1", "x"), ("2", "f2"), ("3", "f3")])).contains("keeper 1 changed")
        );
        assert!(
            reasons(verdict(&[("1", "f1"), ("2", "CHANGED"), ("3", "f3")]))
                .contains("row 2 changed")
        );
        assert!(reasons(verdict(&[("1", "f1"), ("3", "f3")])).contains("row 2 was deleted"));
        assert!(reasons(verdict(&[
            ("1", "f1"),
            ("2", "f2"),
            ("3", "f3"),
            ("4", "f2")
        ]))
        .contains("new row 4"));
    }

    #[test]
    fn batches_hold_whole_groups_and_cover_the_plan_once() {
        let mut g = group();
        let plan_groups: Vec<PlanGroup> = (0..5)
            .map(|i| {
                g.key = vec![format!("k{i}")];
                g.clone()
            })
            .collect();
        let plan = Plan {
            groups: plan_groups,
            ..crate::plan::tests_support::empty_plan()
        };
        assert_eq!(batches(&plan, 0), vec![vec![0, 1, 2, 3, 4]]);
        assert_eq!(batches(&plan, 3), vec![vec![0, 1], vec![2, 3], vec![4]]);
        assert_eq!(batches(&plan, 1).len(), 5);
    }
}
