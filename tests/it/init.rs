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
