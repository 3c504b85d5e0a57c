//! `suggest-constraint`: the suggested unique index is run for real on PostgreSQL and
//! SQLite: it fails while duplicates exist, succeeds once they are gone, and then
//! refuses the incident's second write.

use crate::harness::{sample, Workdir};
use crate::servers::{run_sql, Server, TestDb};

fn suggestion(url: &str) -> (i32, serde_json::Value) {
    let run = Workdir::run_in_repo(&[
        "suggest-constraint",
        "--database-url",
        url,
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&run.stdout())
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout(), run.stderr()));
    (run.code(), value[0].clone())
}

const DEDUPLICATE: &str = "DELETE FROM results WHERE id NOT IN \
    (SELECT MIN(id) FROM results WHERE idempotency_key IS NOT NULL GROUP BY operation_name, idempotency_key) \
    AND idempotency_key IS NOT NULL";

fn check(url: &str) {
    let (code, s) = suggestion(url);
    assert_eq!(code, 1, "duplicates block the index: {s}");
    assert_eq!(s["blocking_keys"], 113);
    let statement = s["statement"].as_str().unwrap().to_string();
    assert!(
        run_sql(url, &statement).is_err(),
        "the index cannot be built over duplicates"
    );
    if url.starts_with("postgres") {
        // as the statement's comment says: a failed concurrent build leaves an
        // invalid index to drop
        run_sql(
            url,
            "DROP INDEX CONCURRENTLY IF EXISTS results_operation_name_idempotency_key_key",
        )
        .unwrap();
    }
    run_sql(url, DEDUPLICATE).unwrap();
    let (code, s) = suggestion(url);
    assert_eq!((code, s["blocking_keys"].as_u64()), (0, Some(0)));
    run_sql(url, &statement).unwrap();
    let second_write = "INSERT INTO results (id, operation_name, idempotency_key, attempt_id, payload, created_at) \
        SELECT 99999999, operation_name, idempotency_key, attempt_id, payload, created_at FROM results WHERE id = 2112";
    let err = run_sql(url, second_write).expect_err("the index refuses a second row for a key");
    assert!(err.to_lowercase().contains("unique"), "{err}");
}

#[test]
fn suggested_index_works_on_postgres() {
    let db = TestDb::new(Server::Postgres);
    Workdir::new()
        .run(&["load", "--database-url", db.url()])
        .expect_code(0);
    check(db.url());
}

#[test]
fn suggested_index_works_on_sqlite() {
    let w = Workdir::new();
    let copy = w.path("incident.sqlite");
    std::fs::copy(sample("incident.sqlite"), &copy).unwrap();
    check(&format!("sqlite://{}", copy.display()));
}

#[test]
fn completions_and_man_pages_come_from_the_command_line_definition() {
    let w = Workdir::new();
    let bash = w.run(&["completions", "bash"]);
    assert!(bash.expect_code(0).stdout().contains("suggest-constraint"));
    let out = w.path("man");
    w.run(&["man", "--out", out.to_str().unwrap()])
        .expect_code(0);
    let scan = std::fs::read_to_string(out.join("dupaudit-scan.1")).unwrap();
    assert!(
        scan.contains("fail\\-on") || scan.contains("fail-on"),
        "{scan}"
    );
    // Every page and every --help ends with examples and what the exit status says.
    for page in std::fs::read_dir(&out).unwrap() {
        let text = std::fs::read_to_string(page.unwrap().path()).unwrap();
        assert!(
            text.contains(".SH EXAMPLES") && text.contains(".SH \"EXIT STATUS\""),
            "{text}"
        );
    }
    for command in [
        "scan",
        "plan",
        "apply",
        "restore",
        "explain",
        "init",
        "suggest-constraint",
    ] {
        let help = w.run(&[command, "--help"]).expect_code(0).stdout();
        assert!(
            help.contains("Examples:\n  # ") && help.contains("Exit status:\n  0  "),
            "{help}"
        );
    }
    // --classes completes with the class names, not file names.
    assert!(bash.stdout().contains("late-write"), "{}", bash.stdout());
    // Environment values are never shown in --help.
    let help = w.run(&["scan", "--help"]).stdout();
    assert!(!help.contains("DUPAUDIT_LOG_CA="), "{help}");
}

#[test]
fn a_missing_spec_says_how_to_write_one() {
    let w = Workdir::new();
    w.run(&["scan"]).expect_code(2).stderr_has(&[
        "cannot read spec dupaudit.toml: no such file",
        "dupaudit init --database-url URL",
    ]);
}
