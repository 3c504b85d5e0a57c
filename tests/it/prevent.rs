//! `suggest-constraint`: the suggested unique index is run for real on PostgreSQL and
//! SQLite: it fails while duplicates exist, succeeds once they are gone, and then
//! refuses the incident's second write.

use crate::harness::{repo, sample, Workdir};
use crate::servers::{run_sql, Server, TestDb};

/// The sample's spec with its source at `url`, in `w`.
fn spec_at(w: &Workdir, url: &str) -> String {
    let spec = std::fs::read_to_string(repo().join("dupaudit.toml")).unwrap();
    let spec = spec.replace(
        "database_url = \"sqlite://sample-data/incident.sqlite\"",
        &format!("database_url = {url:?}"),
    );
    w.write("spec.toml", &spec).display().to_string()
}

fn suggestion(w: &Workdir, spec: &str) -> (i32, serde_json::Value) {
    let run = w.run(&["--spec", spec, "suggest-constraint", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&run.stdout())
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout(), run.stderr()));
    (run.code(), value[0].clone())
}

/// The pipeline's write as `suggest-constraint` prints it, made a real insert of a
/// copy of a row already there.
fn second_write_as_suggested(pipeline_write: &str) -> String {
    let tail = ", ...) VALUES (...)";
    assert!(pipeline_write.contains(tail), "{pipeline_write}");
    let copy = ", id, attempt_id, payload, created_at) SELECT operation_name, idempotency_key, \
        99999999, attempt_id, payload, created_at FROM results \
        WHERE idempotency_key IS NOT NULL ORDER BY id LIMIT 1";
    pipeline_write.replace(tail, copy)
}

fn check(url: &str) {
    let w = Workdir::new();
    let spec = spec_at(&w, url);
    let (code, s) = suggestion(&w, &spec);
    assert_eq!(code, 1, "duplicates block the index: {s}");
    assert_eq!(s["blocking_keys"], 113);
    assert_eq!(s["blocking_by_class"]["conflict"], 8, "{s}");
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
    // The commands it prints clear every blocking group, conflicts included.
    let commands = s["clear_with"].as_array().unwrap();
    assert_eq!(commands.len(), 2, "{s}");
    assert!(
        commands[0]
            .as_str()
            .unwrap()
            .contains("--resolve-conflicts completed-attempt,latest"),
        "{s}"
    );
    for command in commands {
        let words = shlex::split(command.as_str().unwrap()).unwrap();
        assert_eq!(words[0], "dupaudit");
        let mut args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        if args.contains(&"apply") {
            args.push("--yes");
        }
        w.run(&args).expect_code(0);
    }
    let (code, s) = suggestion(&w, &spec);
    assert_eq!((code, s["blocking_keys"].as_u64()), (0, Some(0)), "{s}");
    run_sql(url, &statement).unwrap();
    // A second write of a key: refused as an error by a plain insert, skipped by the
    // write the suggestion prints.
    let second_write = "INSERT INTO results (id, operation_name, idempotency_key, attempt_id, payload, created_at) \
        SELECT 99999999, operation_name, idempotency_key, attempt_id, payload, created_at FROM results \
        WHERE idempotency_key IS NOT NULL ORDER BY id LIMIT 1";
    let err = run_sql(url, second_write).expect_err("the index refuses a second row for a key");
    assert!(err.to_lowercase().contains("unique"), "{err}");
    let guarded = second_write_as_suggested(s["pipeline_write"].as_str().unwrap());
    run_sql(url, &guarded).unwrap_or_else(|e| panic!("{guarded}: {e}"));
    let run = w.run(&["--spec", &spec, "scan", "--classes", "exact,conflict"]);
    run.expect_code(0);
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
