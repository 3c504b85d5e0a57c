//! `init` then `scan`: two commands from nothing to a first scan of one's own schema.

use crate::harness::{path_str, sample, Workdir, AS_OF};
use crate::servers::{Server, TestDb};

fn summary(w: &Workdir, spec: &str, extra: &[&str]) -> dupaudit::findings::Findings {
    let mut args = vec!["--spec", spec];
    args.extend_from_slice(extra);
    w.scan_json(&args).findings
}

/// Tables of other names and columns, in a schema of their own: `init --schema`
/// finds them there and writes a spec that names it.
#[test]
fn init_reads_another_schema_and_the_first_scan_finds_the_duplicates() {
    let db = TestDb::new(Server::Postgres);
    let w = Workdir::new();
    w.run(&[
        "load",
        "--database-url",
        db.url(),
        "--results-table",
        "job_outputs",
        "--log-table",
        "request_log",
    ])
    .expect_code(0);
    let renames = [
        "ALTER TABLE job_outputs RENAME COLUMN id TO output_id",
        "ALTER TABLE job_outputs RENAME COLUMN operation_name TO step",
        "ALTER TABLE job_outputs RENAME COLUMN idempotency_key TO request_key",
        "ALTER TABLE job_outputs RENAME COLUMN attempt_id TO try_id",
        "ALTER TABLE job_outputs RENAME COLUMN payload TO body",
        "ALTER TABLE job_outputs RENAME COLUMN created_at TO inserted_at",
        "ALTER TABLE request_log RENAME COLUMN operation_name TO step",
        "ALTER TABLE request_log RENAME COLUMN idempotency_key TO request_key",
        "ALTER TABLE request_log RENAME COLUMN attempt_id TO try_id",
        "ALTER TABLE request_log RENAME COLUMN status TO state",
        "ALTER TABLE request_log RENAME COLUMN created_at TO started_at",
        "ALTER TABLE request_log RENAME COLUMN updated_at TO finished_at",
        "CREATE SCHEMA \"Jobs\"",
        "ALTER TABLE job_outputs SET SCHEMA \"Jobs\"",
        "ALTER TABLE request_log SET SCHEMA \"Jobs\"",
    ];
    crate::servers::run_sql(db.url(), &renames.join(";\n")).unwrap();
    // in the current schema there is nothing to pick
    w.run(&["init", "--database-url", db.url()])
        .expect_code(2)
        .stderr_has(&["cannot tell which table is the results table"]);
    w.run(&["init", "--database-url", db.url(), "--schema", "Jobs"])
        .expect_code(0)
        .stderr_has(&["job_outputs", "request_log", "GUESS"]);
    let spec = w.path("dupaudit.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    assert!(text.contains("key = [\"step\", \"request_key\"]"), "{text}");
    assert_eq!(text.matches("schema = \"Jobs\"").count(), 2, "{text}");
    let found = summary(&w, path_str(&spec), &["--database-url", db.url()]);
    let reference = Workdir::run_in_repo(&[
        "scan",
        "--format",
        "json",
        "--fail-on",
        "none",
        "--as-of",
        AS_OF,
    ])
    .report()
    .findings;
    // The sample spec ignores latency_ms; a starter spec cannot know that, so
    // copies whose latency differs count as conflicts here: compare what both see.
    assert_eq!(
        found.summary_of(dupaudit::findings::Class::Exact).groups
            + found.summary_of(dupaudit::findings::Class::Conflict).groups,
        reference
            .summary_of(dupaudit::findings::Class::Exact)
            .groups
            + reference
                .summary_of(dupaudit::findings::Class::Conflict)
                .groups
    );
    assert_eq!(
        found.summary_of(dupaudit::findings::Class::LateWrite),
        reference.summary_of(dupaudit::findings::Class::LateWrite)
    );
    assert_eq!(found.totals, reference.totals);
    // read in parts, the scan of the server still names the field that tells the
    // late copies apart
    let top = &found.sole_differences[0];
    assert_eq!(
        (top.column.as_str(), top.field.as_str()),
        ("body", "latency_ms")
    );
    // and the plan, which leaves those conflicts alone, says the same
    let plan = w.path("plan.json");
    let planned = w.run(&[
        "plan",
        "--spec",
        path_str(&spec),
        "--database-url",
        db.url(),
        "-o",
        path_str(&plan),
    ]);
    let said = planned.expect_code(0).stdout();
    assert!(
        said.contains("not planned   conflict")
            && said.contains("differ only in the field `latency_ms` of `body`")
            && said.contains("Then plan again"),
        "{said}"
    );
    // a second init does not overwrite the reviewed spec
    w.run(&["init", "--database-url", db.url()])
        .expect_code(2)
        .stderr_has(&["--force"]);
}

#[test]
fn init_from_exported_files() {
    let w = Workdir::new();
    let r = sample("results.parquet");
    let l = sample("idempotency_log.parquet");
    let init = |output: &str, extra: &[&str]| {
        let mut args = vec!["init", "--results-file", path_str(&r), "--log-file"];
        args.extend([path_str(&l), "-o", output]);
        args.extend_from_slice(extra);
        w.run(&args)
    };
    init("spec.toml", &[]).expect_code(0);
    let found = summary(&w, path_str(&w.path("spec.toml")), &[]);
    assert_eq!(found.totals.result_rows, 5_000);
    // files have no schema to name
    init("other.toml", &["--schema", "pipeline"])
        .expect_code(2)
        .stderr_has(&["--schema pipeline", "reading files"]);
    assert!(!w.path("other.toml").exists());
    assert!(
        found
            .summary_of(dupaudit::findings::Class::LateWrite)
            .groups
            > 100
    );
}

#[test]
fn the_first_scan_names_the_volatile_field_and_ignoring_it_gives_the_sample_findings() {
    use dupaudit::findings::Class;
    let w = Workdir::new();
    let (r, l) = (sample("results.parquet"), sample("idempotency_log.parquet"));
    let files = ["--results-file", path_str(&r), "--log-file", path_str(&l)];
    let mut init = vec!["init", "-o", "spec.toml"];
    init.extend_from_slice(&files);
    w.run(&init).expect_code(0);
    let spec = w.path("spec.toml");
    let report = |spec: &str, format: &str| {
        let mut args = vec![
            "--spec",
            spec,
            "scan",
            "--fail-on",
            "none",
            "--format",
            format,
        ];
        args.extend_from_slice(&files);
        w.run(&args).expect_code(0).stdout()
    };
    let table = |spec: &str| report(spec, "table");
    // A starter spec ignores no field: the late copies, whose latency_ms differs,
    // are conflicts, and the report says which field tells them apart.
    let first = table(path_str(&spec));
    assert!(
        first.contains("differ only in the field `latency_ms` of `payload`")
            && first.contains("add `\"latency_ms\"` to `ignore_fields`"),
        "{first}"
    );
    let markdown = report(path_str(&spec), "markdown");
    assert!(
        markdown.contains("**Hint:** ")
            && markdown.contains("differ only in the field `latency_ms` of `payload`"),
        "{markdown}"
    );
    let html = report(path_str(&spec), "html");
    assert!(
        html.contains("<p class=\"hint\"><strong>Hint:</strong> ")
            && html.contains("<code>latency_ms</code> of <code>payload</code>")
            && html.contains("<code>&quot;latency_ms&quot;</code>"),
        "the HTML report's hint"
    );
    let found = summary(&w, path_str(&spec), &[]);
    let top = &found.sole_differences[0];
    assert_eq!(
        (top.column.as_str(), top.field.as_str()),
        ("payload", "latency_ms")
    );
    let twice = found.summary_of(Class::Exact).groups + found.summary_of(Class::Conflict).groups;
    assert!(top.groups * 2 > twice, "{top:?} of {twice}");

    // Doing what it says gives the sample spec's findings, and no hint.
    let text = std::fs::read_to_string(&spec).unwrap();
    let fixed = text.replace("ignore_fields = []", "ignore_fields = [\"latency_ms\"]");
    assert_ne!(fixed, text, "{text}");
    std::fs::write(&spec, fixed).unwrap();
    let second = table(path_str(&spec));
    assert!(!second.contains("Hint:"), "{second}");
    let found = summary(&w, path_str(&spec), &[]);
    let reference = Workdir::scan_json_in_repo(&[]).findings;
    for class in [Class::Exact, Class::Conflict] {
        assert_eq!(
            found.summary_of(class),
            reference.summary_of(class),
            "{class:?}"
        );
    }
}

/// A log spelled `running/done/error`: `init` reads the values and maps them, and the
/// scan with its spec judges every attempt (no unknown status, the late writes found).
#[test]
fn init_maps_the_status_values_it_reads_from_the_log() {
    let w = Workdir::new();
    let data = path_str(&w.path("data")).to_string();
    w.run(&[
        "generate",
        "--rows",
        "500",
        "--out",
        &data,
        "--formats",
        "sqlite,csv",
        "--statuses",
        "lower",
        "--key-type",
        "uuid",
    ])
    .expect_code(0);
    let url = format!("sqlite://{data}/incident.sqlite");
    let csv = |name: &str| format!("{data}/{name}.csv");
    for source in [
        vec!["--database-url".to_string(), url.clone()],
        vec![
            "--results-file".to_string(),
            csv("results"),
            "--log-file".into(),
            csv("idempotency_log"),
        ],
    ] {
        let spec = path_str(&w.path("spec.toml")).to_string();
        let mut args = vec!["init", "-o", &spec, "--force"];
        args.extend(source.iter().map(String::as_str));
        w.run(&args).expect_code(0);
        let text = std::fs::read_to_string(&spec).unwrap();
        for line in [
            "processing = [\"running\"]",
            "completed = [\"done\"]",
            "failed = [\"error\"]",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        let f = summary(
            &w,
            &spec,
            &source.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        assert_eq!(f.totals.unknown_statuses, Some(0));
        assert!(f.summary_of(dupaudit::findings::Class::LateWrite).groups >= 100);
        let mut fail = vec![
            "scan",
            "--spec",
            &spec,
            "--fail-on",
            "late-write",
            "--format",
            "json",
        ];
        fail.extend(source.iter().map(String::as_str));
        w.run(&fail).expect_code(1);
    }
}

/// A spec that does not map the log's statuses: the scan names each value as an
/// unknown-status finding, says which list it belongs to, and the default
/// `--fail-on` fails on it, so a nightly audit cannot pass on a misread log.
#[test]
fn statuses_the_spec_does_not_map_fail_the_default_scan_and_say_what_to_add() {
    let w = Workdir::new();
    let data = path_str(&w.path("data")).to_string();
    w.run(&[
        "generate",
        "--rows",
        "500",
        "--out",
        &data,
        "--formats",
        "sqlite",
        "--statuses",
        "lower",
    ])
    .expect_code(0);
    let url = format!("sqlite://{data}/incident.sqlite");
    let spec = w.write(
        "spec.toml",
        "[results]\nkey = [\"operation_name\", \"idempotency_key\"]\nignore_fields = [\"latency_ms\"]\n\
         [log]\nkey = [\"operation_name\", \"idempotency_key\"]\n",
    );
    let spec = path_str(&spec);
    let f = summary(&w, spec, &["--database-url", &url]);
    let unknown: Vec<(String, u64)> = f
        .of(dupaudit::findings::Class::UnknownStatus)
        .map(|g| (g.note.split('`').nth(1).unwrap().to_string(), g.log_rows))
        .collect();
    assert_eq!(
        unknown.iter().map(|(v, _)| v.as_str()).collect::<Vec<_>>(),
        ["done", "error", "running"],
        "{unknown:?}"
    );
    assert_eq!(
        f.totals.unknown_statuses,
        Some(unknown.iter().map(|(_, n)| n).sum())
    );
    assert_eq!(f.summary_of(dupaudit::findings::Class::LateWrite).groups, 0);
    // The default --fail-on: the scan fails even with --classes late-write excluded.
    let run = w.run(&["scan", "--spec", spec, "--database-url", &url]);
    run.expect_code(1);
    let out = run.stdout();
    for hint in [
        "\"done\"` to `completed`",
        "\"error\"` to `failed`",
        "\"running\"` to `processing`",
    ] {
        assert!(out.contains(hint), "{hint} in\n{out}");
    }
    // A scan that checks other classes does not check this one.
    w.run(&[
        "scan",
        "--spec",
        spec,
        "--database-url",
        &url,
        "--classes",
        "late-write",
        "--fail-on",
        "unknown-status",
    ])
    .expect_code(2)
    .stderr_has(&["unknown-status", "not checked"]);
}

/// The results point at the log by a foreign key under other column names:
/// `init` maps the key and the attempt through it, and the scan finds the truth.
#[test]
fn init_follows_a_foreign_key_from_the_results_to_the_log() {
    let db = TestDb::new(Server::Postgres);
    let w = Workdir::new();
    let data = path_str(&w.path("data")).to_string();
    let shape = ["--key-type", "uuid", "--foreign-key", "--no-index"];
    let mut generate = vec![
        "generate",
        "--rows",
        "500",
        "--out",
        &data,
        "--formats",
        "sqlite",
    ];
    generate.extend_from_slice(&shape);
    w.run(&generate).expect_code(0);
    let mut load = vec!["load", "--database-url", db.url(), "--rows", "500"];
    load.extend_from_slice(&shape);
    w.run(&load).expect_code(0);
    let sqlite = format!("sqlite://{data}/incident.sqlite");
    for url in [sqlite.as_str(), db.url()] {
        let spec = path_str(&w.path("fk.toml")).to_string();
        w.run(&["init", "--database-url", url, "-o", &spec, "--force"])
            .expect_code(0);
        let parsed = dupaudit::spec::AuditSpec::load(std::path::Path::new(&spec)).unwrap();
        assert_eq!(parsed.results.key, ["request_key"], "{url}");
        assert_eq!(parsed.log.key, ["idempotency_key"], "{url}");
        assert_eq!(parsed.results.attempt.as_deref(), Some("attempt"), "{url}");
        assert_eq!(parsed.log.attempt.as_deref(), Some("attempt_id"), "{url}");
    }
}

/// A Stripe-style schema: one log row per key, the results pointing at its id.
/// `init` makes that reference the key; a log without a status or a start time gets
/// no setting naming a column it does not have, and is told so.
#[test]
fn init_takes_a_reference_to_the_logs_primary_key_and_never_names_missing_columns() {
    let w = Workdir::new();
    let file = w.path("stripe.sqlite");
    let url = format!("sqlite://{}", file.display());
    crate::servers::run_sql(
        &format!("{url}?mode=rwc"),
        "CREATE TABLE idempotency_keys (id INTEGER PRIMARY KEY, idempotency_key TEXT UNIQUE, \
             recovery_point TEXT, locked_at TEXT);
         CREATE TABLE results (id INTEGER PRIMARY KEY, \
             idempotency_key_id INTEGER REFERENCES idempotency_keys (id), body TEXT);
         INSERT INTO idempotency_keys VALUES (1, 'k1', 'finished', NULL);
         INSERT INTO results VALUES (1, 1, '{}'), (2, 1, '{}');",
    )
    .unwrap();
    let run = w.run(&[
        "init",
        "--database-url",
        &url,
        "--table",
        "results",
        "--log-table",
        "idempotency_keys",
    ]);
    run.expect_code(0)
        .stderr_has(&["found no column for", "log.status", "log.created_at"]);
    let text = std::fs::read_to_string(w.path("dupaudit.toml")).unwrap();
    assert!(text.contains("key = [\"idempotency_key_id\"]"), "{text}");
    assert!(text.contains("key = [\"id\"]"), "{text}");
    assert!(!text.contains("\nstatus ="), "{text}");
    assert!(!text.contains("\ncreated_at ="), "{text}");
}
