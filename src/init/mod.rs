//! `init`: a starter spec guessed from the columns of the user's tables.
//!
//! In: the names of the results table and the log table and their columns. Out: the
//! text of a `dupaudit.toml` in which every guess is written out and marked, so the
//! user can check it before the first scan. Pure: the command reads the columns.

mod survey;

pub use survey::survey;

use std::fmt::Write;

use crate::source::InitFacts;
use crate::spec::Status;

/// What `init` knows about the two tables.
#[derive(Debug, Clone, Default)]
pub struct Tables {
    /// The schema both tables are in, when named.
    pub schema: Option<String>,
    pub results: String,
    pub results_columns: Vec<String>,
    pub log: String,
    pub log_columns: Vec<String>,
    /// Foreign keys, unique keys and status values read from the database (a
    /// file has only status values).
    pub facts: InitFacts,
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

/// The column of the log `init` reads status values from: its guess of the status.
pub fn status_column(log_columns: &[String]) -> Option<&String> {
    find(log_columns, STATUS)
}

/// The key and attempt `init` maps between the two tables: from a foreign key of the
/// results onto the log, from a unique key of the log whose columns the results
/// have too (a scoped key), or from the column names; and where it came from.
struct KeyMapping<'a> {
    results_key: Vec<&'a String>,
    log_key: Vec<&'a String>,
    /// The results' attempt and the log's, when both are known.
    attempts: Option<(&'a String, &'a String)>,
    /// How it was found, for the spec's comment.
    from: String,
}

fn key_mapping<'a>(t: &'a Tables) -> KeyMapping<'a> {
    let (r, l) = (&t.results_columns, &t.log_columns);
    // 1. A foreign key from the results to the log: its columns are the key, but
    //    for the one naming an attempt.
    if let Some(pairs) = t.facts.references.first() {
        let log_side: Vec<String> = pairs.iter().map(|(_, lc)| lc.clone()).collect();
        let attempt = find(&log_side, ATTEMPT)
            .cloned()
            .filter(|_| pairs.len() > 1);
        let mut mapping = KeyMapping {
            results_key: Vec::new(),
            log_key: Vec::new(),
            attempts: None,
            from: format!(
                "from the foreign key {}({}) -> {}({})",
                t.results,
                pairs
                    .iter()
                    .map(|p| p.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                t.log,
                log_side.join(", ")
            ),
        };
        for (rc, lc) in pairs {
            let (rc, lc) = (r.iter().find(|c| *c == rc), l.iter().find(|c| *c == lc));
            let (Some(rc), Some(lc)) = (rc, lc) else {
                continue;
            };
            match Some(lc) == attempt.as_ref().and_then(|a| l.iter().find(|c| *c == a)) {
                true => mapping.attempts = Some((rc, lc)),
                false => {
                    mapping.results_key.push(rc);
                    mapping.log_key.push(lc);
                }
            }
        }
        if !mapping.results_key.is_empty() {
            return mapping;
        }
    }
    let key = find(r, KEY);
    let attempts = find(r, ATTEMPT).zip(find(l, ATTEMPT));
    // 2. A unique key of the log over several columns, all of them in the results
    //    too: a key scoped by its other columns (the attempt aside).
    for unique in &t.facts.log_unique {
        let scoped: Vec<&String> = unique
            .iter()
            .filter(|c| Some(*c) != attempts.map(|a| a.1))
            .filter_map(|c| l.iter().find(|x| *x == c))
            .collect();
        let in_results = scoped.iter().all(|c| r.contains(c));
        if scoped.len() > 1 && in_results && key.is_some_and(|k| scoped.contains(&k)) {
            let results_key = scoped
                .iter()
                .filter_map(|c| r.iter().find(|x| x == c))
                .collect();
            return KeyMapping {
                results_key,
                log_key: scoped,
                attempts,
                from: format!(
                    "from the log's unique key ({}): a key scoped by its other columns",
                    unique.join(", ")
                ),
            };
        }
    }
    // 3. The column names.
    let scope = find(r, SCOPE).filter(|c| l.contains(c));
    let mut results_key: Vec<&String> = scope.into_iter().collect();
    results_key.extend(key);
    let log_key = results_key
        .iter()
        .filter_map(|c| l.iter().find(|x| x == c).or_else(|| find(l, KEY)))
        .collect();
    KeyMapping {
        results_key,
        log_key,
        attempts,
        from: match scope {
            Some(_) => "from the column names: the idempotency key, scoped by the operation (the same key may be reused by another operation)".into(),
            None => "from the column names".into(),
        },
    }
}

/// The `[log.statuses]` lines for the log's status values: each value under the
/// status its word means, the ones no word places listed in a comment.
fn statuses_section(out: &mut String, values: &[(String, u64)]) {
    let _ = writeln!(
        out,
        "\n[log.statuses]\n# The spellings your pipeline writes (compared case-insensitively)."
    );
    if values.is_empty() {
        let _ = writeln!(
            out,
            "# No status values found in the log: these are the defaults.\n\
             processing = [\"PROCESSING\"]\ncompleted = [\"COMPLETED\"]\nfailed = [\"FAILED\"]"
        );
        return;
    }
    let shown: Vec<String> = values
        .iter()
        .map(|(v, n)| format!("{v} ({n} rows)"))
        .collect();
    let _ = writeln!(
        out,
        "# GUESS: read from the log's values: {}.",
        shown.join(", ")
    );
    let mut unplaced = Vec::new();
    for status in [Status::Processing, Status::Completed, Status::Failed] {
        let placed: Vec<&String> = values
            .iter()
            .filter(|(v, _)| Status::guess(v) == Some(status))
            .map(|(v, _)| v)
            .collect();
        let _ = writeln!(
            out,
            "{} = {}",
            status.to_string().to_lowercase(),
            list(&placed)
        );
    }
    for (v, n) in values {
        if Status::guess(v).is_none() {
            unplaced.push(format!("{} ({n} rows)", s(v)));
        }
    }
    if !unplaced.is_empty() {
        let _ = writeln!(
            out,
            "# GUESS: dupaudit cannot tell what {} mean{}: add {} to the list {} belong{} to, \
             or a scan reports {} as unknown-status.",
            unplaced.join(", "),
            if unplaced.len() == 1 { "s" } else { "" },
            if unplaced.len() == 1 { "it" } else { "each" },
            if unplaced.len() == 1 { "it" } else { "they" },
            if unplaced.len() == 1 { "s" } else { "" },
            if unplaced.len() == 1 { "it" } else { "them" },
        );
    }
}

/// The settings `init` found no column for, to say so beside the spec.
pub fn missing(t: &Tables) -> Vec<&'static str> {
    let mapping = key_mapping(t);
    let mut out = Vec::new();
    if mapping.results_key.is_empty() {
        out.push("results.key (the idempotency key)");
    }
    if status_column(&t.log_columns).is_none() {
        out.push("log.status");
    }
    if find(&t.log_columns, STARTED).is_none() {
        out.push("log.created_at");
    }
    out
}

/// Writes the starter spec. A setting whose column it cannot find is left out with a
/// comment (never a column the table does not have); [`missing`] lists them.
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
        "# dupaudit's reading of your schema: check them, then `dupaudit scan`."
    );
    let _ = writeln!(out, "# Every key is explained in docs/spec.md.\n");
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

    let mapping = key_mapping(t);
    let pk = find(r, PRIMARY).unwrap_or(&r[0]);
    let attempt = mapping.attempts.map(|a| a.0);
    let written = find(r, WRITTEN);
    let structural: Vec<&String> = [Some(pk), attempt, written]
        .into_iter()
        .flatten()
        .chain(mapping.results_key.iter().copied())
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
    match mapping.results_key.is_empty() {
        true => {
            let _ = writeln!(
                out,
                "# No column looks like an idempotency key: name it, e.g. key = [\"request_id\"]."
            );
        }
        false => {
            let _ = writeln!(
                out,
                "# GUESS: the idempotency key, {}.\nkey = {}",
                mapping.from,
                list(&mapping.results_key)
            );
        }
    }
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
    match mapping.attempts {
        Some((a, _)) => {
            let _ = writeln!(
                out,
                "# GUESS: the attempt that wrote the row.\nattempt = {}",
                s(a)
            );
        }
        None => {
            let _ = writeln!(out, "# No attempt column found in both tables: rows are matched to the log by key alone.\nattempt = \"\"");
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

    let _ = writeln!(out, "\n[log]\ntable = {}", s(&t.log));
    if let Some(schema) = &t.schema {
        let _ = writeln!(out, "schema = {}", s(schema));
    }
    if !mapping.log_key.is_empty() {
        let _ = writeln!(
            out,
            "# GUESS: the same key, in the same order.\nkey = {}",
            list(&mapping.log_key)
        );
    }
    match mapping.attempts {
        Some((_, a)) => {
            let _ = writeln!(out, "# GUESS\nattempt = {}", s(a));
        }
        None => {
            let _ = writeln!(out, "attempt = \"\"");
        }
    }
    match status_column(l) {
        Some(c) => {
            let _ = writeln!(out, "# GUESS\nstatus = {}", s(c));
        }
        None => {
            let _ = writeln!(
                out,
                "# No status column found: name it, e.g. status = \"state\"."
            );
        }
    }
    let started = find(l, STARTED);
    match started {
        Some(c) => {
            let _ = writeln!(out, "# GUESS\ncreated_at = {}", s(c));
        }
        None => {
            let _ = writeln!(
                out,
                "# No column found for when an attempt started: name it, e.g. created_at = \"started_at\"."
            );
        }
    }
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
    statuses_section(&mut out, &t.facts.statuses);
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
            facts: InitFacts::default(),
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
            facts: InitFacts::default(),
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
