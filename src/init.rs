//! `init`: a starter spec guessed from the columns of the user's tables.
//!
//! In: the names of the results table and the log table and their columns. Out: the
//! text of a `dupaudit.toml` in which every guess is written out and marked, so the
//! user can check it before the first scan. Pure: the command reads the columns.

use std::fmt::Write;

/// What `init` knows about the two tables.
#[derive(Debug, Clone)]
pub struct Tables {
    /// The schema both tables are in, when named.
    pub schema: Option<String>,
    pub results: String,
    pub results_columns: Vec<String>,
    pub log: String,
    pub log_columns: Vec<String>,
}

/// Where the spec's `[source]` points: a URL (without password) or two files.
#[derive(Debug, Clone)]
pub enum Origin {
    Url(String),
    Files { results: String, log: String },
}

/// The first column matching one of `words` (most likely first): a column whose
/// lowercase name equals a word, else one that ends with `_word`, starts with `word_`
/// or (for words of five letters or more) contains it.
fn find<'a>(columns: &'a [String], words: &[&str]) -> Option<&'a String> {
    for w in words {
        if let Some(c) = columns.iter().find(|c| c.to_lowercase() == *w) {
            return Some(c);
        }
    }
    for w in words {
        if let Some(c) = columns.iter().find(|c| {
            let l = c.to_lowercase();
            l.ends_with(&format!("_{w}"))
                || l.starts_with(&format!("{w}_"))
                || (w.len() >= 5 && l.contains(w))
        }) {
            return Some(c);
        }
    }
    None
}

const KEY: &[&str] = &[
    "idempotency_key",
    "dedup_key",
    "dedupe_key",
    "request_key",
    "request_id",
    "idempotency",
    "key",
];
const SCOPE: &[&str] = &["operation_name", "operation", "step", "task", "job", "op"];
const ATTEMPT: &[&str] = &[
    "attempt_id",
    "attempt",
    "try_id",
    "try",
    "execution_id",
    "run_id",
];
const WRITTEN: &[&str] = &[
    "created_at",
    "inserted_at",
    "written_at",
    "saved_at",
    "timestamp",
    "ts",
];
const STATUS: &[&str] = &["status", "state", "outcome"];
const STARTED: &[&str] = &["created_at", "started_at", "start_time", "inserted_at"];
const UPDATED: &[&str] = &[
    "updated_at",
    "finished_at",
    "completed_at",
    "modified_at",
    "end_time",
];
const PAYLOAD: &[&str] = &[
    "payload", "result", "output", "response", "body", "data", "content",
];
const PRIMARY: &[&str] = &["id", "result_id", "row_id", "pk"];

/// Quotes a TOML string.
fn s(v: &str) -> String {
    toml::Value::String(v.to_string()).to_string()
}

fn list(values: &[&String]) -> String {
    format!(
        "[{}]",
        values.iter().map(|v| s(v)).collect::<Vec<_>>().join(", ")
    )
}

/// Writes the starter spec.
pub fn starter_spec(origin: &Origin, t: &Tables) -> String {
    let mut out = String::new();
    let r = &t.results_columns;
    let l = &t.log_columns;
    let _ = writeln!(
        out,
        "# Starter audit spec written by `dupaudit init`. Lines marked GUESS are"
    );
    let _ = writeln!(
        out,
        "# dupaudit's reading of your column names: check them, then `dupaudit scan`."
    );
    let _ = writeln!(
        out,
        "# Every key is explained in the README's \"Spec reference\".\n"
    );
    let _ = writeln!(out, "[source]");
    match origin {
        Origin::Url(url) => {
            let _ = writeln!(
                out,
                "# Without its password; give it with DATABASE_URL or --database-url if needed."
            );
            let _ = writeln!(out, "database_url = {}", s(url));
        }
        Origin::Files { results, log } => {
            let _ = writeln!(out, "results_file = {}\nlog_file = {}", s(results), s(log));
        }
    }

    let pk = find(r, PRIMARY).unwrap_or(&r[0]);
    let key = find(r, KEY);
    let scope = find(r, SCOPE).filter(|c| l.contains(c));
    let attempt = find(r, ATTEMPT);
    let written = find(r, WRITTEN);
    let mut key_columns: Vec<&String> = scope.into_iter().collect();
    key_columns.extend(key);
    let structural: Vec<&String> = [Some(pk), key, scope, attempt, written]
        .into_iter()
        .flatten()
        .collect();
    let payload: Vec<&String> = match find(r, PAYLOAD).filter(|c| !structural.contains(c)) {
        Some(p) => vec![p],
        None => r.iter().filter(|c| !structural.contains(c)).collect(),
    };

    let _ = writeln!(out, "\n[results]\ntable = {}", s(&t.results));
    if let Some(schema) = &t.schema {
        let _ = writeln!(out, "schema = {}", s(schema));
    }
    let _ = writeln!(
        out,
        "# GUESS: the column that names one row.\nprimary_key = {}",
        list(&[pk])
    );
    if key.is_none() {
        let _ = writeln!(
            out,
            "# No column looks like an idempotency key: name it here."
        );
    }
    let _ = writeln!(
        out,
        "# GUESS: the idempotency key{}.\nkey = {}",
        if scope.is_some() {
            ", scoped by the operation (the same key may be reused by another operation)"
        } else {
            ""
        },
        list(&key_columns)
    );
    let _ = writeln!(
        out,
        "# GUESS: the columns compared to tell copies from conflicts.\npayload = {}",
        list(&payload)
    );
    let json: Vec<&String> = payload
        .iter()
        .copied()
        .filter(|c| {
            PAYLOAD.iter().any(|w| c.to_lowercase().contains(w))
                || c.to_lowercase().contains("json")
        })
        .collect();
    let _ = writeln!(
        out,
        "# GUESS: payload columns holding JSON (compared by content).\njson = {}",
        list(&json)
    );
    let _ = writeln!(out, "# Volatile JSON fields that differ between copies of one result, e.g. [\"latency_ms\"].\nignore_fields = []");
    match attempt {
        Some(a) => {
            let _ = writeln!(
                out,
                "# GUESS: the attempt that wrote the row.\nattempt = {}",
                s(a)
            );
        }
        None => {
            let _ = writeln!(out, "# No attempt column found: rows are matched to the log by key alone.\nattempt = \"\"");
        }
    }
    match written {
        Some(w) => {
            let _ = writeln!(
                out,
                "# GUESS: when the row was written.\ntimestamp = {}",
                s(w)
            );
        }
        None => {
            let _ = writeln!(out, "# No timestamp column found.\ntimestamp = \"\"");
        }
    }

    let log_key: Vec<&String> = key_columns
        .iter()
        .map(|c| {
            l.iter()
                .find(|x| x == c)
                .or_else(|| find(l, KEY))
                .unwrap_or(c)
        })
        .collect();
    let _ = writeln!(out, "\n[log]\ntable = {}", s(&t.log));
    if let Some(schema) = &t.schema {
        let _ = writeln!(out, "schema = {}", s(schema));
    }
    let _ = writeln!(
        out,
        "# GUESS: the same key, in the same order.\nkey = {}",
        list(&log_key)
    );
    match (attempt, find(l, ATTEMPT)) {
        (Some(_), Some(a)) => {
            let _ = writeln!(out, "# GUESS\nattempt = {}", s(a));
        }
        _ => {
            let _ = writeln!(out, "attempt = \"\"");
        }
    }
    let status = find(l, STATUS);
    if status.is_none() {
        let _ = writeln!(out, "# No status column found: name it here.");
    }
    let _ = writeln!(
        out,
        "# GUESS\nstatus = {}",
        s(status.map_or("status", |c| c.as_str()))
    );
    let started = find(l, STARTED);
    let _ = writeln!(
        out,
        "# GUESS\ncreated_at = {}",
        s(started.map_or("created_at", |c| c.as_str()))
    );
    match find(l, UPDATED).filter(|c| Some(*c) != started) {
        Some(u) => {
            let _ = writeln!(out, "# GUESS\nupdated_at = {}", s(u));
        }
        None => {
            let _ = writeln!(out, "updated_at = \"\"");
        }
    }
    let _ = writeln!(
        out,
        "# How long an attempt may stay PROCESSING before its lease is stale.\nlease = \"15m\""
    );
    let _ = writeln!(
        out,
        "\n[log.statuses]\n# The spellings your pipeline writes (compared case-insensitively)."
    );
    let _ = writeln!(
        out,
        "processing = [\"PROCESSING\"]\ncompleted = [\"COMPLETED\"]\nfailed = [\"FAILED\"]"
    );
    out
}

/// Picks the results table and the log table among a database's tables.
pub fn guess_tables(tables: &[String]) -> (Option<&String>, Option<&String>) {
    let log = find(
        tables,
        &["idempotency_log", "idempotency", "request_log", "log"],
    );
    let results =
        find(tables, &["results", "result", "outputs", "output"]).filter(|t| Some(*t) != log);
    (results, log)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn starter_spec_for_the_design_schema_parses_and_matches_it() {
        let t = Tables {
            schema: None,
            results: "results".into(),
            results_columns: names(&[
                "id",
                "operation_name",
                "idempotency_key",
                "attempt_id",
                "payload",
                "created_at",
            ]),
            log: "idempotency_log".into(),
            log_columns: names(&[
                "idempotency_key",
                "attempt_id",
                "operation_name",
                "status",
                "created_at",
                "updated_at",
            ]),
        };
        let text = starter_spec(&Origin::Url("sqlite://x.db".into()), &t);
        let spec =
            crate::spec::AuditSpec::parse(&text, std::path::Path::new("dupaudit.toml")).unwrap();
        assert_eq!(spec.results.key, ["operation_name", "idempotency_key"]);
        assert_eq!(spec.log.key, ["operation_name", "idempotency_key"]);
        assert_eq!(spec.results.payload, ["payload"]);
        assert_eq!(spec.results.json, ["payload"]);
        assert_eq!(spec.results.attempt.as_deref(), Some("attempt_id"));
        assert_eq!(spec.log.updated_at.as_deref(), Some("updated_at"));
        assert!(text.contains("# GUESS"));
    }

    #[test]
    fn other_names_are_recognised() {
        let t = Tables {
            schema: None,
            results: "job_outputs".into(),
            results_columns: names(&[
                "output_id",
                "step",
                "request_key",
                "try_id",
                "body",
                "inserted_at",
            ]),
            log: "request_log".into(),
            log_columns: names(&[
                "request_key",
                "step",
                "try_id",
                "state",
                "started_at",
                "finished_at",
            ]),
        };
        let spec = crate::spec::AuditSpec::parse(
            &starter_spec(&Origin::Url("postgres://h/db".into()), &t),
            std::path::Path::new("x"),
        )
        .unwrap();
        assert_eq!(spec.results.primary_key, ["output_id"]);
        assert_eq!(spec.results.key, ["step", "request_key"]);
        assert_eq!(spec.results.payload, ["body"]);
        assert_eq!(spec.log.status, "state");
        assert_eq!(spec.log.created_at, "started_at");
        assert_eq!(spec.log.updated_at.as_deref(), Some("finished_at"));
        assert_eq!(
            guess_tables(&names(&["job_outputs", "request_log"])),
            (
                Some(&"job_outputs".to_string()),
                Some(&"request_log".to_string())
            )
        );
    }
}
