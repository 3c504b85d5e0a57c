//! Bad input: a clear error naming the file, line, table or column, a non-zero exit,
//! and nothing changed.

use crate::harness::{path_str, repo, sample, Workdir};

/// The sample's spec with one replacement applied.
fn spec_with(w: &Workdir, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(repo().join("dupaudit.toml")).unwrap();
    assert!(text.contains(from), "the sample spec contains {from:?}");
    let db = format!("sqlite://{}", sample("incident.sqlite").display());
    let text = text
        .replace("sqlite://sample-data/incident.sqlite", &db)
        .replace(from, to);
    path_str(&w.write("spec.toml", &text)).to_string()
}

#[test]
fn malformed_spec_names_the_field_and_line() {
    let w = Workdir::new();
    let spec = spec_with(&w, "primary_key = [\"id\"]", "primary_key = \"id\"");
    w.run(&["scan", "--spec", &spec])
        .expect_code(2)
        .stderr_has(&["spec.toml", "line 9", "primary_key"]);
}

#[test]
fn missing_spec_file_is_a_usage_error() {
    let w = Workdir::new();
    w.run(&["scan", "--spec", "nope.toml"])
        .expect_code(2)
        .stderr_has(&["nope.toml"]);
}

#[test]
fn missing_table_lists_the_tables_that_exist() {
    let w = Workdir::new();
    let spec = spec_with(&w, "table = \"results\"", "table = \"resluts\"");
    w.run(&["scan", "--spec", &spec])
        .expect_code(3)
        .stderr_has(&["`resluts` does not exist", "idempotency_log, results"]);
}

#[test]
fn missing_column_lists_the_columns_that_exist() {
    let w = Workdir::new();
    let spec = spec_with(
        &w,
        "payload = [\"payload\"]\njson = [\"payload\"]",
        "payload = [\"paylod\"]\njson = []",
    );
    w.run(&["scan", "--spec", &spec])
        .expect_code(3)
        .stderr_has(&[
            "`paylod`",
            "results.payload",
            "id, operation_name, idempotency_key, attempt_id, payload, created_at",
        ]);
}

#[test]
fn missing_column_in_a_file_names_the_file() {
    let w = Workdir::new();
    let log = w.write(
        "log.csv",
        "idempotency_key,attempt_id,operation_name,state,created_at,updated_at\n",
    );
    let results = sample("results.csv");
    let spec = repo().join("dupaudit.toml");
    w.run(&[
        "scan",
        "--spec",
        path_str(&spec),
        "--results-file",
        path_str(&results),
        "--log-file",
        path_str(&log),
    ])
    .expect_code(3)
    .stderr_has(&["log.csv", "`status`", "log.status", "state"]);
}

#[test]
fn malformed_csv_line_names_file_and_line() {
    let w = Workdir::new();
    let text = std::fs::read_to_string(sample("results.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[9].push_str(",surplus-field");
    let results = w.write("results.csv", &(lines.join("\n") + "\n"));
    let log = sample("idempotency_log.csv");
    let spec = repo().join("dupaudit.toml");
    w.run(&[
        "scan",
        "--spec",
        path_str(&spec),
        "--results-file",
        path_str(&results),
        "--log-file",
        path_str(&log),
    ])
    .expect_code(3)
    .stderr_has(&["results.csv line 10", "expected 6 fields"]);
}

#[test]
fn empty_tables_give_a_clean_report() {
    let w = Workdir::new();
    let results = w.write(
        "results.csv",
        "id,operation_name,idempotency_key,attempt_id,payload,created_at\n",
    );
    let log = w.write(
        "log.csv",
        "idempotency_key,attempt_id,operation_name,status,created_at,updated_at\n",
    );
    let spec = repo().join("dupaudit.toml");
    let run = w.run(&[
        "scan",
        "--spec",
        path_str(&spec),
        "--results-file",
        path_str(&results),
        "--log-file",
        path_str(&log),
        "--format",
        "json",
    ]);
    let report = run.expect_code(0).report();
    assert!(report.findings.findings.is_empty());
    assert_eq!(report.findings.totals.result_rows, 0);
    assert_eq!(report.findings.window, None);
}

#[test]
fn empty_sqlite_tables_give_a_clean_report() {
    let w = Workdir::new();
    let db = w.path("empty.sqlite");
    let url = format!("sqlite://{}", db.display());
    let empty = dupaudit::generate::Incident {
        results: Vec::new(),
        log: Vec::new(),
        truth: Default::default(),
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(dupaudit::generate::load::load_incident(
        &url,
        &empty,
        &dupaudit::generate::load::Tables::default(),
        false,
    ))
    .unwrap();
    let run = w.run(&["scan", "--database-url", &url, "--format", "json"]);
    assert_eq!(run.expect_code(0).report().findings.totals.result_rows, 0);
}

#[test]
fn non_json_payloads_are_compared_as_text_and_counted() {
    let w = Workdir::new();
    let results = w.write(
        "results.csv",
        "id,operation_name,idempotency_key,attempt_id,payload,created_at\n\
         1,op,k1,a1,not json at all,2026-10-01 10:00:00\n\
         2,op,k1,a1,not json at all,2026-10-01 10:00:01\n\
         3,op,k2,a2,\"{\"\"v\"\": 1}\",2026-10-01 10:00:02\n",
    );
    let log = w.write(
        "log.csv",
        "idempotency_key,attempt_id,operation_name,status,created_at,updated_at\n\
         k1,a1,op,COMPLETED,2026-10-01 10:00:00,2026-10-01 10:00:00\n\
         k2,a2,op,COMPLETED,2026-10-01 10:00:00,2026-10-01 10:00:02\n",
    );
    let spec = repo().join("dupaudit.toml");
    let report = w
        .run(&[
            "scan",
            "--spec",
            path_str(&spec),
            "--results-file",
            path_str(&results),
            "--log-file",
            path_str(&log),
            "--format",
            "json",
        ])
        .expect_code(1)
        .report();
    assert_eq!(report.findings.totals.non_json_payloads, 2);
    assert_eq!(
        report
            .findings
            .summary_of(dupaudit::findings::Class::Exact)
            .groups,
        1
    );
}

#[test]
fn unreadable_timestamp_names_table_column_and_value() {
    let w = Workdir::new();
    let results = w.write(
        "results.csv",
        "id,operation_name,idempotency_key,attempt_id,payload,created_at\n1,op,k1,a1,{},soon\n",
    );
    let log = w.write(
        "log.csv",
        "idempotency_key,attempt_id,operation_name,status,created_at,updated_at\n",
    );
    let spec = repo().join("dupaudit.toml");
    w.run(&[
        "scan",
        "--spec",
        path_str(&spec),
        "--results-file",
        path_str(&results),
        "--log-file",
        path_str(&log),
    ])
    .expect_code(3)
    .stderr_has(&["results.created_at", "`soon`"]);
}

#[test]
fn database_passwords_never_appear_in_errors() {
    let w = Workdir::new();
    let url = "postgres://app:hunter2@127.0.0.1:1/prod";
    let run = w.run(&["scan", "--database-url", url, "--connect-timeout", "1s"]);
    run.expect_code(3)
        .stderr_has(&["cannot connect", "app@127.0.0.1:1/prod"]);
    assert!(!run.stderr().contains("hunter2") && !run.stdout().contains("hunter2"));
}

#[test]
fn unknown_url_scheme_is_a_usage_error() {
    let w = Workdir::new();
    w.run(&["scan", "--database-url", "oracle://u:pw@host/db"])
        .expect_code(2)
        .stderr_has(&["oracle://u@host/db"]);
}
