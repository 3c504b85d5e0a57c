//! Prevention: the unique index that would have stopped the incident.
//!
//! In: the spec (results table and key columns), a dialect and the findings of a
//! scan of the duplicate classes. Out: the statement to run and whether it would
//! succeed on today's data, with the groups that block it and the commands that
//! clear them, and the write the pipeline must use once the index exists.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::findings::{key_text, Class, Findings};
use crate::plan::KeepRule;
use crate::spec::AuditSpec;
use crate::sql::{quote_ident, render, Dialect};

/// Most blocking groups listed; the counts are always complete.
const BLOCKERS_LISTED: usize = 20;

/// The keep chain proposed for conflicts when the spec has none: the row of the
/// attempt the log marks completed, else the latest.
const CONFLICT_CHAIN: [KeepRule; 2] = [KeepRule::CompletedAttempt, KeepRule::Latest];

/// The suggestion for one dialect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub dialect: Dialect,
    /// The statement, with its comment saying how it is built.
    pub statement: String,
    /// The insert the pipeline must use once the index exists, so that a second
    /// write of a key is skipped rather than an error.
    pub pipeline_write: String,
    /// Keys that have several rows today: each makes the statement fail.
    pub blocking_keys: u64,
    pub blocking_surplus_rows: u64,
    /// Blocking keys per class (exact, conflict).
    pub blocking_by_class: BTreeMap<Class, u64>,
    /// The first blocking groups, conflicts first.
    pub first_blocking: Vec<Blocking>,
    /// The commands that clear every blocking group; empty when nothing blocks.
    pub clear_with: Vec<String>,
}

/// A group that blocks the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Blocking {
    pub class: Class,
    /// The key, as reports print it.
    pub key: String,
}

/// A unique index name: `<table>_<key columns>_key`, cut to PostgreSQL's 63 bytes.
fn index_name(spec: &AuditSpec) -> String {
    let mut name = format!("{}_{}_key", spec.results.table, spec.results.key.join("_"));
    while name.len() > 63 {
        name.pop();
    }
    name
}

/// The statement for `dialect` and what blocks it in `findings`; `spec_flag` is
/// the `--spec FILE` the clearing commands repeat (empty for the default spec).
pub fn suggest(
    dialect: Dialect,
    spec: &AuditSpec,
    findings: &Findings,
    spec_flag: &str,
) -> Suggestion {
    let backend = dialect.backend();
    let columns: Vec<String> = spec
        .results
        .key
        .iter()
        .map(|c| quote_ident(dialect, c))
        .collect();
    let table = spec.results.table_name().quoted(dialect);
    let index = quote_ident(dialect, &index_name(spec));
    let index_in_schema = spec.results.in_schema(&index_name(spec)).quoted(dialect);
    let key_column = columns.last().cloned().unwrap_or_default();
    let columns = columns.join(", ");
    let fragments = [
        ("index", index.as_str()),
        ("table", table.as_str()),
        ("index_in_schema", index_in_schema.as_str()),
        ("columns", columns.as_str()),
        ("key_column", key_column.as_str()),
    ];
    let (statement, _) = render(dialect, backend.unique_index(), &fragments, &[]);
    let (pipeline_write, _) = render(dialect, backend.guarded_insert(), &fragments, &[]);
    // Conflicts first: they need a decision, copies only a cleanup.
    let mut blocking: Vec<_> = findings
        .findings
        .iter()
        .filter(|f| matches!(f.class, Class::Exact | Class::Conflict))
        .collect();
    blocking.sort_by_key(|f| f.class != Class::Conflict);
    let mut by_class = BTreeMap::new();
    for f in &blocking {
        *by_class.entry(f.class).or_default() += 1;
    }
    let conflicts = by_class.get(&Class::Conflict).copied().unwrap_or(0);
    Suggestion {
        dialect,
        statement: statement.trim_end().to_string(),
        pipeline_write: pipeline_write.trim_end().to_string(),
        blocking_keys: blocking.len() as u64,
        blocking_surplus_rows: blocking.iter().map(|f| f.surplus_rows).sum(),
        first_blocking: blocking
            .iter()
            .take(BLOCKERS_LISTED)
            .map(|f| Blocking {
                class: f.class,
                key: key_text(&f.key),
            })
            .collect(),
        clear_with: match blocking.is_empty() {
            true => Vec::new(),
            false => clearing(spec, spec_flag, conflicts > 0),
        },
        blocking_by_class: by_class,
    }
}

/// The plan and apply that clear every blocking group: conflicts need a rule
/// saying which row stays, the spec's or [`CONFLICT_CHAIN`].
fn clearing(spec: &AuditSpec, spec_flag: &str, conflicts: bool) -> Vec<String> {
    let resolve = match (conflicts, &spec.cleanup.resolve_conflicts) {
        (true, None) => {
            let chain: Vec<String> = CONFLICT_CHAIN.iter().map(ToString::to_string).collect();
            format!(" --resolve-conflicts {}", chain.join(","))
        }
        _ => String::new(),
    };
    vec![
        format!("dupaudit{spec_flag} plan{resolve} --output plan.json"),
        format!("dupaudit{spec_flag} apply plan.json"),
    ]
}

impl Suggestion {
    pub fn render_text(&self) -> String {
        let mut out = format!("-- {:?}\n{}\n\n", self.dialect, self.statement);
        if self.blocking_keys == 0 {
            out.push_str("It would succeed on today's data: no key has more than one row.\n");
        } else {
            let per_class: Vec<String> = self
                .blocking_by_class
                .iter()
                .map(|(class, n)| format!("{n} {class}"))
                .collect();
            out.push_str(&format!(
                "It would fail today: {} keys have several rows ({}; {} surplus rows).\nFirst blocking groups:\n",
                self.blocking_keys,
                per_class.join(", "),
                self.blocking_surplus_rows
            ));
            for b in &self.first_blocking {
                out.push_str(&format!("  {:<10}{}\n", b.class.to_string(), b.key));
            }
            out.push_str(
                "Clear them (apply asks before it removes anything), then create the index:\n",
            );
            for command in &self.clear_with {
                out.push_str(&format!("  {command}\n"));
            }
            if self.blocking_by_class.contains_key(&Class::Conflict) {
                out.push_str(
                    "A conflict's rows differ: its rule keeps one of them. Read a conflict's story with \
                     `dupaudit explain KEY` before applying.\n",
                );
            }
        }
        out.push_str(&format!(
            "\nThen the pipeline's write must skip a second write of a key, or every late write becomes a pipeline error:\n{}\n",
            self.pipeline_write
        ));
        out.push_str(
            "Rows whose key is NULL never conflict in a unique index, so they do not block it.\n",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_quote_every_identifier_per_dialect() {
        let mut spec = AuditSpec::default();
        spec.results.table = "we\"ird`t".into();
        spec.results.key = vec!["operation_name".into(), "idempotency_key".into()];
        let findings: Findings = serde_json::from_value(serde_json::json!({
            "as_of": "2026-10-31T00:00:00Z", "key_columns": [], "primary_key": [], "payload_columns": [],
            "totals": {"result_rows": 0, "log_rows": 0, "keys": 0, "null_key_rows": 0, "non_json_payloads": 0, "unknown_statuses": 0},
            "checked": [], "summary": {}, "window": null, "non_json_rows": [], "findings": []
        }))
        .unwrap();
        let pg = suggest(Dialect::Postgres, &spec, &findings, "");
        assert!(pg.statement.contains("CREATE UNIQUE INDEX CONCURRENTLY \"we\"\"ird`t_operation_name_idempotency_key_key\" ON \"we\"\"ird`t\" (\"operation_name\", \"idempotency_key\");"), "{}", pg.statement);
        let my = suggest(Dialect::Mysql, &spec, &findings, "");
        assert!(
            my.statement
                .contains("ALTER TABLE `we\"ird``t` ADD UNIQUE INDEX"),
            "{}",
            my.statement
        );
        assert!(my.statement.contains("LOCK=NONE"));
        assert_eq!(pg.blocking_keys, 0);
        assert!(pg.clear_with.is_empty());
        assert!(
            pg.pipeline_write
                .contains("ON CONFLICT (\"operation_name\", \"idempotency_key\") DO NOTHING;"),
            "{}",
            pg.pipeline_write
        );
        assert!(
            my.pipeline_write
                .contains("ON DUPLICATE KEY UPDATE `idempotency_key` = `idempotency_key`;"),
            "{}",
            my.pipeline_write
        );
        let lite = suggest(Dialect::Sqlite, &spec, &findings, "");
        assert!(
            lite.pipeline_write
                .contains("INSERT OR IGNORE INTO \"we\"\"ird`t\""),
            "{}",
            lite.pipeline_write
        );
    }
}
