//! The plan stage: the duplicate classes scanned, the rows of their keys read whole
//! from the results table with each row's fingerprint, and the plan built over
//! them. Reads only.

use std::collections::HashMap;

use chrono::Utc;
use sqlx::Connection;

use crate::apply::Store;
use crate::error::Error;
use crate::findings::{Class, Findings};
use crate::model::Key;
use crate::plan::{
    build, FingerprintScheme, FullRow, KeepRule, Layout, Plan, PlanInput, PlanScope, SourceIdentity,
};
use crate::progress::Progress;
use crate::source::{DatabaseSource, Source};
use crate::spec::AuditSpec;

/// Plans the cleanup of the groups of `source` in `scope`, keeping by `keep` (the
/// spec's rules when empty).
pub async fn plan(
    source: &Source,
    spec: &AuditSpec,
    keep: &[KeepRule],
    scope: &PlanScope,
    progress: &Progress,
) -> Result<Plan, Error> {
    if let Source::Spark(spark) = source {
        return Err(Error::Usage(format!(
            "a cleanup plan needs a database source: {} reads a data lake through Spark, \
             whose files and tables dupaudit does not delete from (cleanup needs a database's \
             transactions and quarantine); scan and explain work on Spark, then remove the \
             copies in the lake with the job that wrote them",
            spark.location()
        )));
    }
    let Some(db) = source.results_database() else {
        return Err(Error::Usage(
            "a cleanup plan needs a database source: files are exports dupaudit cannot change"
                .into(),
        ));
    };
    let keep = match keep.is_empty() {
        true => spec.cleanup.keep.clone(),
        false => keep.to_vec(),
    };
    // Only the classes a plan acts on.
    let scan_spec = spec.with_checks(vec![Class::Exact, Class::Conflict], false);
    let data = source.load(&scan_spec, progress).await;
    let findings = data.and_then(|d| {
        let findings = crate::scan::scan(&d, &scan_spec, Utc::now());
        scope.take(findings).map_err(Error::Usage)
    });
    let (findings, left_out) = match findings {
        Ok(f) => f,
        Err(e) => {
            progress.finish();
            return Err(e);
        }
    };
    progress.phase("reading the duplicated keys' rows whole");
    let mut conn = db.connect().await?;
    let read = read_whole(db, &mut conn, spec, &keep, &findings, progress).await;
    let _ = conn.close().await;
    progress.finish();
    let (identity, layout, rows_by_key) = read?;
    Ok(build(
        &findings,
        PlanInput {
            spec,
            source: identity,
            layout: &layout,
            fingerprint_scheme: FingerprintScheme::of(db.dialect()),
            rows_by_key: &rows_by_key,
            keep,
            created_at: Utc::now(),
            left_out,
        },
    ))
}

type Whole = (SourceIdentity, Layout, HashMap<Key, Vec<FullRow>>);

/// The table's identity and layout, and the rows of the keys of `findings`.
async fn read_whole(
    db: &DatabaseSource,
    conn: &mut sqlx::AnyConnection,
    spec: &AuditSpec,
    keep: &[KeepRule],
    findings: &Findings,
    progress: &Progress,
) -> Result<Whole, Error> {
    let table = &spec.results.table_name();
    let probe = Store::new(
        db,
        table,
        &spec.results.primary_key,
        &spec.results.key,
        &spec.cleanup,
        None,
    );
    let identity = probe.identity(conn, table).await?;
    let columns = probe.columns_of(conn, table).await?;
    let missing = |column: String, field: String| Error::MissingColumn {
        table: table.to_string(),
        column,
        field,
        available: columns.clone(),
    };
    let payload_columns = spec.results.payload_columns(&columns);
    let layout = Layout::new(spec, columns.clone(), &payload_columns)
        .map_err(|c| missing(c, "results".into()))?;
    for rule in keep {
        if let KeepRule::Column { name, .. } = rule {
            if !columns.contains(name) {
                return Err(missing(name.clone(), format!("keep rule {rule}")));
            }
        }
    }
    let mut store = Store::new(
        db,
        table,
        &spec.results.primary_key,
        &spec.results.key,
        &spec.cleanup,
        Some(layout.clone()),
    );
    store.prepare(conn).await?;
    let keys: Vec<Key> = findings
        .findings
        .iter()
        .filter(|f| matches!(f.class, Class::Exact | Class::Conflict))
        .filter_map(|f| f.key.clone())
        .collect();
    store.plan_session(conn).await?;
    let mut rows_by_key: HashMap<Key, Vec<FullRow>> = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(store.keys_per_statement()) {
        for row in store.rows_of_keys(conn, chunk).await? {
            if let Some(k) = row.key.clone() {
                rows_by_key.entry(k).or_default().push(row);
            }
        }
        progress.rows(chunk.len() as u64);
    }
    Ok((identity, layout, rows_by_key))
}
