//! Spark Connect, on the test cluster `.ci/spark start` runs (a master, two workers,
//! a Connect server; its URL in `DUPAUDIT_TEST_SPARK`): the sample and a generated
//! incident find on Spark what they find in SQLite, over every file format, for
//! cross-key, over a window and night after night with `--incremental`; `explain`
//! reads a printed key; `plan` is refused; a token in the URL is never printed.
//! These tests fail, rather than skip, without the cluster.

use dupaudit::explain::Story;
use dupaudit::findings::{Class, Findings};

use crate::harness::{assert_same, generated, path_str, scan_with_spec as scan_in, Workdir, AS_OF};

/// The test cluster's Spark Connect URL.
fn cluster() -> String {
    std::env::var("DUPAUDIT_TEST_SPARK").expect(
        "DUPAUDIT_TEST_SPARK names the test cluster's Spark Connect server \
         (sc://127.0.0.1:15002); `.ci/run` starts the cluster with `.ci/spark start`",
    )
}

/// The sample's files, relative to the repository, as the README gives them.
fn sample_files(ext: &str) -> [String; 4] {
    [
        "--results-file".into(),
        format!("sample-data/results.{ext}"),
        "--log-file".into(),
        format!("sample-data/idempotency_log.{ext}"),
    ]
}

/// A JSON scan of the sample on Spark, from the repository root.
fn spark_scan(files: &[String], extra: &[&str]) -> Findings {
    let url = cluster();
    let mut args = vec!["--spark", url.as_str()];
    args.extend(files.iter().map(String::as_str));
    args.extend_from_slice(extra);
    Workdir::scan_json_in_repo(&args).findings
}

#[test]
fn the_sample_on_spark_finds_what_the_embedded_sqlite_finds_in_every_format() {
    let sqlite = Workdir::scan_json_in_repo(&[]).findings;
    assert!(sqlite.summary_of(Class::Exact).groups > 0);
    for ext in ["parquet", "csv", "ndjson"] {
        let spark = spark_scan(&sample_files(ext), &[]);
        assert_same(&spark, &sqlite, &format!("the sample as {ext} on Spark"));
    }
    // The README's command, as a table: SQLite's table but for the header lines
    // that name the source and the time.
    let url = cluster();
    let table = |source: &[&str]| -> String {
        let mut args = vec!["scan", "--fail-on", "none", "--as-of", AS_OF];
        args.extend_from_slice(source);
        let out = Workdir::run_in_repo(&args).expect_code(0).stdout();
        assert!(out.lines().count() > 10, "{out}");
        out.lines().skip(2).collect::<Vec<_>>().join("\n")
    };
    let files = sample_files("parquet");
    let mut on_spark = vec!["--spark", url.as_str()];
    on_spark.extend(files.iter().map(String::as_str));
    assert_eq!(table(&on_spark), table(&[]));
}

#[test]
fn a_generated_incident_on_spark_finds_what_sqlite_finds_with_cross_key_and_windows() {
    let w = generated();
    let url = format!("sqlite://{}", w.path("data/incident.sqlite").display());
    let spark = cluster();
    let r = w.path("data/results.parquet");
    let l = w.path("data/idempotency_log.parquet");
    let on_spark = [
        "--spark",
        spark.as_str(),
        "--results-file",
        path_str(&r),
        "--log-file",
        path_str(&l),
    ];
    let runs: [&[&str]; 4] = [
        &[],
        &["--classes", "exact,conflict"],
        &["--classes", "cross-key"],
        &[
            "--since",
            "2026-10-14T14:04:10Z",
            "--until",
            "2026-10-14T18:00:00Z",
        ],
    ];
    for extra in runs {
        let sqlite = scan_in(&w, &["--database-url", &url], extra);
        let found = scan_in(&w, &on_spark, extra);
        assert_same(&found, &sqlite, &format!("Spark {extra:?}"));
    }
    let all = scan_in(&w, &["--database-url", &url], &[]);
    assert!(all.summary_of(Class::CrossKey).groups > 0);
}

#[test]
fn incremental_runs_on_spark_find_what_they_find_in_sqlite_night_after_night() {
    let dir = Workdir::new();
    let (sqlite_state, spark_state) = (dir.path("sqlite.state"), dir.path("spark.state"));
    let files = sample_files("parquet");
    for until in ["2026-10-14T17:00:00Z", "2026-10-31T00:00:00Z"] {
        let sqlite = Workdir::scan_json_in_repo(&[
            "--until",
            until,
            "--incremental",
            path_str(&sqlite_state),
        ])
        .findings;
        let spark = spark_scan(
            &files,
            &["--until", until, "--incremental", path_str(&spark_state)],
        );
        assert_same(&spark, &sqlite, &format!("the night until {until}"));
    }
}

fn story(source: &[&str], key: &str) -> Story {
    let mut args = vec!["explain", "--format", "json", "--as-of", AS_OF];
    args.extend_from_slice(source);
    args.push(key);
    let run = Workdir::run_in_repo(&args);
    run.expect_code(0);
    serde_json::from_str(&run.stdout()).expect("explain --format json prints a story")
}

#[test]
fn explain_on_spark_tells_the_story_sqlite_tells_of_a_printed_key() {
    let files = sample_files("parquet");
    let found = spark_scan(&files, &[]);
    let group = found
        .of(Class::Exact)
        .find(|f| f.note.contains("FAILED"))
        .expect("the sample has late-write duplicates");
    let printed = group.key.as_ref().unwrap().join("/");
    let url = cluster();
    let mut source = vec!["--spark", url.as_str()];
    source.extend(files.iter().map(String::as_str));
    assert_eq!(story(&source, &printed), story(&[], &printed));
    // A key no row has names the keys like it, read on the cluster.
    let typo = &printed[..printed.len() - 1];
    let mut args = vec!["explain"];
    args.extend_from_slice(&source);
    args.push(typo);
    Workdir::run_in_repo(&args)
        .expect_code(2)
        .stderr_has(&[&format!("keys like it: {printed}")]);
}

#[test]
fn a_cleanup_plan_on_spark_is_refused_with_the_reason() {
    let url = cluster();
    let mut args = vec!["plan", "--spark", url.as_str()];
    let files = sample_files("parquet");
    args.extend(files.iter().map(String::as_str));
    Workdir::run_in_repo(&args)
        .expect_code(2)
        .stderr_has(&["a cleanup plan needs a database source", "Spark"]);
}

#[test]
fn a_token_in_the_spark_url_is_never_printed() {
    let token = "s3cr3t-spark-token";
    let url = format!("{}/;token={token}", cluster());
    let files = sample_files("parquet");
    let mut args = vec!["scan", "--spark", url.as_str(), "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--fail-on", "none", "--as-of", AS_OF]);
    let run = Workdir::run_in_repo(&args);
    let everything = format!("{}{}", run.stdout(), run.stderr());
    assert!(!everything.contains(token), "{everything}");
    // A server that does not answer: the error names it, without the token.
    let mut args = vec![
        "scan",
        "--spark",
        "sc://127.0.0.1:1/;token=s3cr3t-spark-token",
        "--connect-timeout",
        "5s",
    ];
    args.extend(files.iter().map(String::as_str));
    let refused = Workdir::run_in_repo(&args);
    refused.expect_code(3).stderr_has(&["sc://127.0.0.1:1"]);
    let everything = format!("{}{}", refused.stdout(), refused.stderr());
    assert!(!everything.contains(token), "{everything}");
}

#[test]
fn a_missing_lake_file_is_an_error_naming_it() {
    let url = cluster();
    Workdir::run_in_repo(&[
        "scan",
        "--spark",
        &url,
        "--results-file",
        "sample-data/no-such-results.parquet",
        "--log-file",
        "sample-data/idempotency_log.parquet",
    ])
    .expect_code(3)
    .stderr_has(&["no-such-results.parquet"]);
}

#[test]
fn a_database_url_and_a_spark_server_are_never_chosen_between_silently() {
    // No files: the Spark source then reads the spec's tables from the catalog.
    let run = |flags: &[&str], env: &[(&str, &str)]| {
        let mut cmd = assert_cmd::Command::cargo_bin("dupaudit").unwrap();
        cmd.current_dir(crate::harness::repo())
            .env_remove("DATABASE_URL")
            .env_remove("SPARK_REMOTE")
            .envs(env.iter().copied())
            .args(["scan", "--connect-timeout", "2s"])
            .args(flags);
        cmd.output().unwrap()
    };
    let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).to_string();
    let sqlite = "sqlite://sample-data/incident.sqlite";
    let nowhere = "sc://127.0.0.1:1";
    // Two flags, or two variables: refused before anything is read.
    let both = run(&["--database-url", sqlite, "--spark", nowhere], &[]);
    assert_eq!(both.status.code(), Some(2), "{}", text(&both));
    assert!(text(&both).contains("name two sources"), "{}", text(&both));
    let both = run(&[], &[("DATABASE_URL", sqlite), ("SPARK_REMOTE", nowhere)]);
    assert_eq!(both.status.code(), Some(2), "{}", text(&both));
    assert!(
        text(&both).contains("--database-url or --spark"),
        "{}",
        text(&both)
    );
    // A flag wins over the other's variable: --spark is tried (and its server does
    // not answer), --database-url is scanned.
    let spark = run(&["--spark", nowhere], &[("DATABASE_URL", sqlite)]);
    assert_eq!(spark.status.code(), Some(3), "{}", text(&spark));
    assert!(text(&spark).contains(nowhere), "{}", text(&spark));
    let database = run(&["--database-url", sqlite], &[("SPARK_REMOTE", nowhere)]);
    assert_eq!(database.status.code(), Some(1), "{}", text(&database));
}
