//! Prevention: the unique index that would have stopped the incident.
//!
//! In: the spec (results table and key columns), a dialect and the findings of a
//! scan of the duplicate classes. Out: the statement to run and whether it would
//! succeed on today's data, with the groups that block it.

use serde::{Deserialize, Serialize};

use crate::findings::{key_text, Class, Findings};
use crate::spec::AuditSpec;
use crate::sql::{quote_ident, render, Dialect};

/// Most blocking keys listed; the count is always complete.
const BLOCKERS_LISTED: usize = 20;

/// The suggestion for one dialect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub dialect: Dialect,
    /// The statement, with its comment saying how it is built.
    pub statement: String,
    /// Keys that have several rows today: each makes the statement fail.
    pub blocking_keys: u64,
    pub blocking_surplus_rows: u64,
    /// The first blocking keys, as `a/b`.
    pub first_blocking: Vec<String>,
}

/// A unique index name: `<table>_<key columns>_key`, cut to PostgreSQL's 63 bytes.
fn index_name(spec: &AuditSpec) -> String {
    let mut name = format!("{}_{}_key", spec.results.table, spec.results.key.join("_"));
    while name.len() > 63 {
        name.pop();
    }
    name
}

/// The statement for `dialect` and what blocks it in `findings`.
pub fn suggest(dialect: Dialect, spec: &AuditSpec, findings: &Findings) -> Suggestion {
    let template = dialect.backend().unique_index();
    let columns: Vec<String> = spec
        .results
        .key
        .iter()
        .map(|c| quote_ident(dialect, c))
        .collect();
    let (statement, _) = render(
        dialect,
        template,
        &[
            ("index", &quote_ident(dialect, &index_name(spec))),
            ("table", &spec.results.table_name().quoted(dialect)),
            (
                "index_in_schema",
                &spec.results.in_schema(&index_name(spec)).quoted(dialect),
            ),
            ("columns", &columns.join(", ")),
        ],
        &[],
    );
    let blocking: Vec<_> = findings
        .findings
        .iter()
        .filter(|f| matches!(f.class, Class::Exact | Class::Conflict))
        .collect();
    Suggestion {
        dialect,
        statement: statement.trim_end().to_string(),
        blocking_keys: blocking.len() as u64,
        blocking_surplus_rows: blocking.iter().map(|f| f.surplus_rows).sum(),
        first_blocking: blocking
            .iter()
            .take(BLOCKERS_LISTED)
            .map(|f| key_text(&f.key))
            .collect(),
    }
}

impl Suggestion {
    pub fn render_text(&self) -> String {
        let mut out = format!("-- {:?}\n{}\n\n", self.dialect, self.statement);
        if self.blocking_keys == 0 {
            out.push_str("It would succeed on today's data: no key has more than one row.\n");
        } else {
            out.push_str(&format!(
                "It would fail today: {} keys have several rows ({} surplus rows); clean them up first (dupaudit scan lists them).\nFirst blocking keys:\n",
                self.blocking_keys, self.blocking_surplus_rows
            ));
            for k in &self.first_blocking {
                out.push_str(&format!("  {k}\n"));
            }
        }
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
        let pg = suggest(Dialect::Postgres, &spec, &findings);
        assert!(pg.statement.contains("CREATE UNIQUE INDEX CONCURRENTLY \"we\"\"ird`t_operation_name_idempotency_key_key\" ON \"we\"\"ird`t\" (\"operation_name\", \"idempotency_key\");"), "{}", pg.statement);
        let my = suggest(Dialect::Mysql, &spec, &findings);
        assert!(
            my.statement
                .contains("ALTER TABLE `we\"ird``t` ADD UNIQUE INDEX"),
            "{}",
            my.statement
        );
        assert!(my.statement.contains("LOCK=NONE"));
        assert_eq!(pg.blocking_keys, 0);
    }
}
