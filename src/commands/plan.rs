//! `dupaudit plan`: scan for exact duplicates and conflicts, read their rows whole
//! with each row's fingerprint, choose the keepers and write the plan file. Reads
//! only.

use std::collections::HashMap;
use std::path::Path;

use chrono::Utc;
use sqlx::Connection;

use crate::apply::Store;
use crate::cli::{Cli, PlanArgs, StoryFormat};
use crate::error::{exit, Error};
use crate::findings::Class;
use crate::model::Key;
use crate::plan::{self, FingerprintScheme, FullRow, KeepRule, Layout, PlanInput, PlanKey};
use crate::source::Source;

use super::scan::{load_spec, source_options};

pub async fn run(cli: &Cli, args: &PlanArgs) -> Result<u8, Error> {
    let spec = load_spec(&cli.spec, &args.connect)?;
    let key = args.plan_key.as_deref().map(PlanKey::read).transpose()?;
    let keep = match args.keep.is_empty() {
        true => spec.cleanup.keep.clone(),
        false => args.keep.clone(),
    };
    let spec_dir = cli.spec.parent().unwrap_or(Path::new(""));
    let source = Source::resolve(&source_options(&args.connect), &spec, spec_dir)?;
    let spec = source.resolve_spec(&spec);
    let Some(db) = source.results_database() else {
        return Err(Error::Usage(
            "a cleanup plan needs a database source: files are exports dupaudit cannot change"
                .into(),
        ));
    };

    // Only the classes a plan acts on.
    let mut scan_spec = spec.clone();
    scan_spec.scan.classes = vec![Class::Exact, Class::Conflict];
    scan_spec.scan.cross_key = false;
    let progress = crate::progress::Progress::new(cli.quiet);
    let data = source.load(&scan_spec, &progress).await;
    let findings = data.map(|d| crate::scan::scan(&d, &scan_spec, Utc::now()));
    let findings = match findings {
        Ok(f) => f,
        Err(e) => {
            progress.finish();
            return Err(e);
        }
    };

    progress.phase("reading the duplicated keys' rows whole");
    let mut conn = db.connect().await?;
    let read = async {
        let table = &spec.results.table_name();
        let probe = Store::new(
            db,
            table,
            &spec.results.primary_key,
            &spec.results.key,
            &spec.cleanup,
            None,
        );
        let identity = probe.identity(&mut conn, table).await?;
        let columns = probe.columns_of(&mut conn, table).await?;
        let payload_columns = spec.results.payload_columns(&columns);
        let layout = Layout::new(&spec, columns.clone(), &payload_columns).map_err(|c| {
            Error::MissingColumn {
                table: table.to_string(),
                column: c,
                field: "results".into(),
                available: columns.clone(),
            }
        })?;
        for rule in &keep {
            if let KeepRule::Column { name, .. } = rule {
                if !columns.contains(name) {
                    return Err(Error::MissingColumn {
                        table: table.to_string(),
                        column: name.clone(),
                        field: format!("keep rule {rule}"),
                        available: columns.clone(),
                    });
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
        store.prepare(&mut conn).await?;
        let keys: Vec<Key> = findings
            .findings
            .iter()
            .filter(|f| matches!(f.class, Class::Exact | Class::Conflict))
            .filter_map(|f| f.key.clone())
            .collect();
        store.plan_session(&mut conn).await?;
        let mut rows_by_key: HashMap<Key, Vec<FullRow>> = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(store.keys_per_statement()) {
            for row in store.rows_of_keys(&mut conn, chunk).await? {
                if let Some(k) = row.key.clone() {
                    rows_by_key.entry(k).or_default().push(row);
                }
            }
            progress.rows(chunk.len() as u64);
        }
        Ok((identity, layout, rows_by_key))
    }
    .await;
    let _ = conn.close().await;
    progress.finish();
    let (identity, layout, rows_by_key) = read?;

    let plan = plan::build(
        &findings,
        PlanInput {
            spec: &spec,
            source: identity,
            layout: &layout,
            fingerprint_scheme: FingerprintScheme::of(db.dialect()),
            rows_by_key: &rows_by_key,
            keep,
            created_at: Utc::now(),
        },
    );
    let plan = match &key {
        Some(key) => plan.seal_signed(key),
        None => plan,
    };
    super::write_output(Some(&args.output), &plan.to_json())?;
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
    super::write_output(None, &text)?;
    Ok(exit::CLEAN)
}
