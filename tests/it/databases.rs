//! Scans against real PostgreSQL and MariaDB servers, a fresh database per test:
//! the same findings as SQLite and files, read-only roles, hostile identifiers.

use dupaudit::findings::{Class, Findings};
use dupaudit::spec::AuditSpec;
use dupaudit::sql::{quote_ident, Dialect};

use crate::harness::{assert_same, path_str, repo, sample, scan_args, Workdir, AS_OF};
use crate::servers::{query_i64, run_sql, Server, TestDb};

/// Loads the sample incident with `dupaudit load`.
fn load(url: &str, extra: &[&str]) {
    let mut args = vec!["load", "--database-url", url];
    args.extend_from_slice(extra);
    Workdir::new().run(&args).expect_code(0);
}

/// Scans `url` with the repository's spec (or `spec`) and returns the findings.
fn scan(url: &str, extra: &[&str]) -> Findings {
    let mut args = vec!["--database-url", url];
    args.extend_from_slice(extra);
    Workdir::scan_json_in_repo(&args).findings
}

/// Runs statements in the given database, as its owner.
fn execute(url: &str, statements: &[String]) {
    for s in statements {
        run_sql(url, s).unwrap_or_else(|e| panic!("{s}: {e}"));
    }
}

fn with_user(url: &str, user: &str, password: Option<&str>) -> String {
    let mut u = url::Url::parse(url).unwrap();
    u.set_username(user).unwrap();
    u.set_password(password).unwrap();
    u.to_string()
}

#[test]
fn sample_in_postgres_and_mariadb_gives_the_findings_of_sqlite_and_files() {
    let sqlite = scan(
        &format!("sqlite://{}", sample("incident.sqlite").display()),
        &[],
    );
    for server in [Server::Postgres, Server::Mysql] {
        let db = TestDb::new(server);
        load(db.url(), &[]);
        assert_same(&scan(db.url(), &[]), &sqlite, &format!("{server:?}"));
    }
    let r = sample("results.parquet");
    let l = sample("idempotency_log.parquet");
    let files = Workdir::run_in_repo(&[
        "scan",
        "--results-file",
        path_str(&r),
        "--log-file",
        path_str(&l),
        "--format",
        "json",
        "--fail-on",
        "none",
        "--as-of",
        AS_OF,
    ])
    .expect_code(0)
    .report()
    .findings;
    assert_same(&files, &sqlite, "parquet");
}

/// Tables in another schema than `public`: the scan without `schema` in the spec
/// says where they are and what to write; named so, the scan (read in parts through
/// the key index) finds what it finds in SQLite, and the plan names that schema's
/// table, which tables of the same names in `public` are not. SQLite, which has no
/// schemas, refuses such a spec.
#[test]
fn postgres_tables_in_another_schema_are_named_in_the_spec() {
    let db = TestDb::new(Server::Postgres);
    load(db.url(), &[]);
    execute(
        db.url(),
        &[
            "CREATE SCHEMA \"Pipeline Data\"".to_string(),
            "ALTER TABLE results SET SCHEMA \"Pipeline Data\"".to_string(),
            "ALTER TABLE idempotency_log SET SCHEMA \"Pipeline Data\"".to_string(),
        ],
    );
    let w = Workdir::new();
    w.run(&["scan", "--database-url", db.url()])
        .expect_code(3)
        .stderr_has(&[
            "table `results` does not exist",
            "a table of that name is in schema `Pipeline Data`: name it in the spec, as in \
             `table = \"results\"` and `schema = \"Pipeline Data\"`",
        ]);
    // A spec that names the table as SQL would, `schema.table`, is told the same.
    scan_naming_results(&w, "Pipeline Data.results", db.url()).stderr_has(&[
        "table `Pipeline Data.results` does not exist",
        "`table` takes the table's name alone: write `table = \"results\"` and \
         `schema = \"Pipeline Data\"`",
    ]);
    let sample_spec = std::fs::read_to_string(repo().join("dupaudit.toml")).unwrap();
    let spec_text = sample_spec.replace(
        "table = \"results\"\n",
        "table = \"results\"\nschema = \"Pipeline Data\"\n",
    );
    // The log is looked for in the current schema until its section names one too.
    std::fs::write(w.path("results-only.toml"), &spec_text).unwrap();
    w.run(&[
        "--spec",
        "results-only.toml",
        "scan",
        "--database-url",
        db.url(),
    ])
    .expect_code(3)
    .stderr_has(&["table `idempotency_log` does not exist"]);
    let spec_text = spec_text.replace(
        "table = \"idempotency_log\"\n",
        "table = \"idempotency_log\"\nschema = \"Pipeline Data\"\n",
    );
    std::fs::write(w.path("in-schema.toml"), &spec_text).unwrap();
    let spec = path_str(&w.path("in-schema.toml")).to_string();
    let sqlite_url = format!("sqlite://{}", sample("incident.sqlite").display());
    let sqlite = scan(&sqlite_url, &[]);
    assert_same(&scan(db.url(), &["--spec", &spec]), &sqlite, "schema");
    assert_same(
        &scan(db.url(), &["--spec", &spec, "--partitions", "2"]),
        &sqlite,
        "schema, in two partitions",
    );
    w.run(&["--spec", &spec, "scan", "--database-url", &sqlite_url])
        .expect_code(2)
        .stderr_has(&["SQLite has no schemas", "`Pipeline Data`"]);

    let path = w.path("plan.json");
    let plan_file = path_str(&path);
    w.run(&[
        "plan",
        "--spec",
        &spec,
        "--database-url",
        db.url(),
        "-o",
        plan_file,
    ])
    .expect_code(0);
    let plan = dupaudit::plan::Plan::read(&path, None).unwrap();
    let oid = query_i64(
        db.url(),
        "SELECT '\"Pipeline Data\".results'::regclass::oid::bigint",
    )
    .unwrap();
    assert_eq!(plan.source.table_id, oid.to_string());
    assert_eq!(plan.source.table, "Pipeline Data.results");
    let exact = sqlite.summary_of(dupaudit::findings::Class::Exact);
    assert_eq!(plan.groups.len() as u64, exact.groups);
    // Tables of the same names in `public` are other tables: the plan, which carries
    // its spec, applies to the schema's.
    execute(
        db.url(),
        &[
            "CREATE TABLE public.results (LIKE \"Pipeline Data\".results INCLUDING ALL)".into(),
            "CREATE TABLE public.idempotency_log (LIKE \"Pipeline Data\".idempotency_log INCLUDING ALL)".into(),
        ],
    );
    execute(
        db.url(),
        &["INSERT INTO public.results SELECT * FROM \"Pipeline Data\".results".into()],
    );
    w.run(&["apply", plan_file, "--database-url", db.url(), "--yes"])
        .expect_code(0);
    let count =
        |table: &str| query_i64(db.url(), &format!("SELECT count(*) FROM {table}")).unwrap();
    assert_eq!(count("public.results"), sqlite.totals.result_rows as i64);
    assert_eq!(
        count("\"Pipeline Data\".results"),
        (sqlite.totals.result_rows - exact.surplus_rows) as i64
    );
    assert_eq!(
        count("\"Pipeline Data\".dupaudit_quarantine"),
        exact.surplus_rows as i64
    );
}

/// With an index on a one-column key in both tables and the planner's statistics of
/// it, a duplicate scan groups the keys in two ranges on two connections at once
/// (its log says where it split them): the findings and totals, the NULL-key rows
/// included, are those of SQLite's scan of the same rows, which groups them whole.
#[test]
fn postgres_duplicate_scan_in_two_key_ranges_finds_what_one_grouping_finds() {
    let db = TestDb::new(Server::Postgres);
    load(db.url(), &[]);
    let bench_spec = repo().join("benches/bench.toml");
    let spec = path_str(&bench_spec);
    let run = |url: &str| {
        let extra = ["-v", "--spec", spec, "--database-url", url];
        Workdir::new().run(&scan_args(
            &[&extra[..], &["--classes", "exact,conflict"]].concat(),
        ))
    };
    let sqlite = run(&format!("sqlite://{}", sample("incident.sqlite").display()));
    sqlite.expect_code(0);
    let unsplit = run(db.url());
    unsplit.expect_code(0);
    assert!(
        !unsplit.stderr().contains("two ranges"),
        "{}",
        unsplit.stderr()
    );
    execute(
        db.url(),
        &[
            "CREATE INDEX results_key ON results (idempotency_key)".to_string(),
            "CREATE INDEX log_key ON idempotency_log (idempotency_key)".to_string(),
            "ANALYZE".to_string(),
        ],
    );
    let split = run(db.url());
    split.expect_code(0).stderr_has(&["two ranges"]);
    let expected = sqlite.report().findings;
    assert!(
        expected.totals.null_key_rows > 0
            && expected.summary_of(dupaudit::findings::Class::Exact).groups > 0
    );
    assert_same(&split.report().findings, &expected, "split");
    assert_same(&unsplit.report().findings, &expected, "whole");
}

/// A scan of `url` with the sample spec, its results table named `table`, which
/// must end with exit 3 (a missing table).
fn scan_naming_results(w: &Workdir, table: &str, url: &str) -> crate::harness::Run {
    let sample_spec = std::fs::read_to_string(repo().join("dupaudit.toml")).unwrap();
    let spec = sample_spec.replace("table = \"results\"", &format!("table = {table:?}"));
    assert_ne!(spec, sample_spec);
    std::fs::write(w.path("named.toml"), spec).unwrap();
    let run = w.run(&["--spec", "named.toml", "scan", "--database-url", url]);
    run.expect_code(3);
    run
}

/// On MariaDB the spec's tables are in the URL's database unless it names another:
/// a scan of a database without them says which databases have a table of that
/// name.
#[test]
fn mariadb_names_the_databases_that_hold_a_missing_table() {
    let loaded = TestDb::new(Server::Mysql);
    load(loaded.url(), &[]);
    let empty = TestDb::new(Server::Mysql);
    Workdir::new()
        .run(&["scan", "--database-url", empty.url()])
        .expect_code(3)
        .stderr_has(&[
            "table `results` does not exist",
            "tables there: (none)",
            // (other tests' databases on the server may be listed too)
            &format!("`{}`", loaded.name()),
            ": name it in the spec, as in `table = \"results\"` and `schema = \"",
        ]);
    // named as SQL would name it, `database.table`
    let w = Workdir::new();
    scan_naming_results(&w, &format!("{}.results", loaded.name()), empty.url()).stderr_has(&[
        &format!(
            "`table` takes the table's name alone: write `table = \"results\"` and \
             `schema = \"{}\"`",
            loaded.name()
        ),
    ]);
}

#[test]
fn postgres_scan_works_under_a_select_only_role() {
    let db = TestDb::new(Server::Postgres);
    load(db.url(), &[]);
    let role = format!("dupaudit_ro_{}", std::process::id());
    let q = |s: &str| quote_ident(Dialect::Postgres, s);
    let db_name = db.name();
    execute(
        db.url(),
        &[
            format!("DROP ROLE IF EXISTS {}", q(&role)),
            format!("CREATE ROLE {} LOGIN", q(&role)),
            format!("GRANT CONNECT ON DATABASE {} TO {}", q(db_name), q(&role)),
            format!("GRANT USAGE ON SCHEMA public TO {}", q(&role)),
            format!(
                "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}",
                q(&role)
            ),
        ],
    );
    let read_only = with_user(db.url(), &role, None);
    let as_owner = scan(db.url(), &[]);
    let as_reader = scan(&read_only, &[]);
    execute(
        db.url(),
        &[
            format!("DROP OWNED BY {}", q(&role)),
            format!("DROP ROLE {}", q(&role)),
        ],
    );
    assert_same(&as_reader, &as_owner, "select-only role");
}

#[test]
fn mariadb_scan_works_under_a_select_only_user_and_hides_its_password() {
    let db = TestDb::new(Server::Mysql);
    load(db.url(), &[]);
    let user = format!("dupaudit_ro_{}", std::process::id());
    let db_name = db.name();
    let q = |s: &str| quote_ident(Dialect::Mysql, s);
    execute(
        db.url(),
        &[
            format!("DROP USER IF EXISTS '{user}'@'%'"),
            format!("CREATE USER '{user}'@'%' IDENTIFIED BY 'Sekr1t-pw'"),
            format!("GRANT SELECT ON {}.* TO '{user}'@'%'", q(db_name)),
        ],
    );
    let read_only = with_user(db.url(), &user, Some("Sekr1t-pw"));
    let run = Workdir::run_in_repo(&[
        "scan",
        "--database-url",
        &read_only,
        "--format",
        "json",
        "--fail-on",
        "none",
        "--as-of",
        AS_OF,
    ]);
    let as_owner = scan(db.url(), &[]);
    execute(db.url(), &[format!("DROP USER '{user}'@'%'")]);
    run.expect_code(0);
    assert!(!run.stdout().contains("Sekr1t") && !run.stderr().contains("Sekr1t"));
    assert_same(&run.report().findings, &as_owner, "select-only user");
}

#[test]
fn hostile_table_and_column_names_are_quoted_in_every_database() {
    let results = "Res \"ults\"; DROP TABLE x; --";
    let log = "Log`tick Mixed'Case";
    let payload = "Pay load \"x\"; --";
    let key = "Key;Col`umn";
    let mut spec = AuditSpec::load(&repo().join("dupaudit.toml")).unwrap();
    spec.source = Default::default();
    spec.results.table = results.into();
    spec.results.payload = vec![payload.into()];
    spec.results.json = vec![payload.into()];
    spec.results.key = vec!["operation_name".into(), key.into()];
    spec.log.table = log.into();
    spec.log.key = vec!["operation_name".into(), key.into()];
    let w = Workdir::new();
    let spec_path = w.write("hostile.toml", &toml::to_string(&spec).unwrap());
    let sqlite = scan(
        &format!("sqlite://{}", sample("incident.sqlite").display()),
        &[],
    );
    for server in [Server::Postgres, Server::Mysql] {
        let db = TestDb::new(server);
        load(db.url(), &["--results-table", results, "--log-table", log]);
        let d = match server {
            Server::Postgres => Dialect::Postgres,
            Server::Mysql => Dialect::Mysql,
        };
        let q = |s: &str| quote_ident(d, s);
        execute(
            db.url(),
            &[
                format!(
                    "ALTER TABLE {} RENAME COLUMN payload TO {}",
                    q(results),
                    q(payload)
                ),
                format!(
                    "ALTER TABLE {} RENAME COLUMN idempotency_key TO {}",
                    q(results),
                    q(key)
                ),
                format!(
                    "ALTER TABLE {} RENAME COLUMN idempotency_key TO {}",
                    q(log),
                    q(key)
                ),
            ],
        );
        let mut found = scan(db.url(), &["--spec", path_str(&spec_path)]);
        // A conflict's diff names the payload column, which is renamed here.
        for f in &mut found.findings {
            for d in &mut f.payload_diff {
                d.path = d.path.replacen(payload, "payload", 1);
            }
        }
        assert_same(&found, &sqlite, &format!("{server:?} with hostile names"));
    }
}

#[test]
fn an_injection_attempt_in_the_spec_executes_nothing() {
    let db = TestDb::new(Server::Postgres);
    load(db.url(), &[]);
    let w = Workdir::new();
    let text = std::fs::read_to_string(repo().join("dupaudit.toml"))
        .unwrap()
        .replace(
            "table = \"results\"",
            "table = \"results\\\"; DROP TABLE idempotency_log; --\"",
        );
    let spec = w.write("evil.toml", &text);
    w.run(&[
        "scan",
        "--spec",
        path_str(&spec),
        "--database-url",
        db.url(),
    ])
    .expect_code(3)
    .stderr_has(&["does not exist", "idempotency_log, results"]);
    let after = scan(db.url(), &[]);
    let sample = scan(
        &format!("sqlite://{}", sample("incident.sqlite").display()),
        &[],
    );
    assert_eq!(
        after.totals.log_rows, sample.totals.log_rows,
        "the log is intact"
    );
}

#[test]
fn statement_timeout_stops_a_long_query() {
    let db = TestDb::new(Server::Postgres);
    load(db.url(), &["--rows", "50000"]);
    Workdir::run_in_repo(&[
        "scan",
        "--database-url",
        db.url(),
        "--statement-timeout",
        "1ms",
    ])
    .expect_code(3)
    .stderr_has(&["statement timeout"]);
}

/// Read over 4 connections, each a slice of the key space, the rows give the
/// findings of one connection. (The command line runs a split scan of a server on a
/// machine of few cores as one: see the test below; the library splits as asked.)
#[test]
fn a_scan_split_over_partitions_finds_the_same_as_one() {
    let spec = AuditSpec::load(&repo().join("dupaudit.toml")).unwrap();
    let as_of: chrono::DateTime<chrono::Utc> = AS_OF.parse().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for server in [Server::Postgres, Server::Mysql] {
        let db = TestDb::new(server);
        load(db.url(), &[]);
        let scan_in = |partitions: u32| {
            let source = database_source_in(db.url(), partitions);
            let data = runtime
                .block_on(source.load(&spec, &dupaudit::progress::Progress::hidden()))
                .unwrap();
            dupaudit::scan::scan(&data, &spec, as_of)
        };
        let whole = scan_in(1);
        assert_eq!(whole.summary[&Class::Exact].groups, 105, "{server:?}");
        assert_same(&scan_in(4), &whole, &format!("{server:?} in 4 partitions"));
    }
}

/// A server on this machine shares its cores with dupaudit: where they cannot run
/// every part beside dupaudit, a split scan says so and reads over one connection,
/// which is faster there, with the same findings.
#[test]
fn partitions_a_server_on_this_machine_cannot_run_side_by_side_are_read_as_one() {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let db = TestDb::new(Server::Postgres);
    load(db.url(), &[]);
    let whole = scan(db.url(), &[]);
    let parts = cores.to_string();
    let run = Workdir::run_in_repo(&scan_args(&[
        "--database-url",
        db.url(),
        "--partitions",
        &parts,
    ]));
    run.expect_code(0).stderr_has(&[
        &format!("--partitions {cores}: the database runs on this machine"),
        &format!("{} needed", cores + 1),
        "reading over one connection",
    ]);
    assert_same(&run.report().findings, &whole, "partitions read as one");
}

#[test]
fn partitions_are_refused_where_there_is_one_connection() {
    Workdir::run_in_repo(&["scan", "--partitions", "2"])
        .expect_code(2)
        .stderr_has(&["SQLite is read over one"]);
    let r = sample("results.csv");
    let l = sample("idempotency_log.csv");
    Workdir::run_in_repo(&[
        "scan",
        "--partitions",
        "2",
        "--results-file",
        path_str(&r),
        "--log-file",
        path_str(&l),
    ])
    .expect_code(2)
    .stderr_has(&["files are read in one process"]);
}

/// Every report format of a database scan is scanned part by part, keeping only what
/// it shows (Prometheus keeps no findings at all): each says what the rendering of
/// the findings of the rows read whole says, but for when it was made and how long
/// it took.
#[test]
fn every_report_format_of_a_database_scan_says_what_the_whole_scan_does() {
    use dupaudit::report::{Format, RenderOptions, Report, FORMAT_VERSION};

    // The lines that give the report's time and the scan's duration.
    let timeless = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| {
                !(l.contains(" · generated ")
                    || l.starts_with("dupaudit_scan_duration_seconds")
                    || l.starts_with("dupaudit_last_success_timestamp_seconds")
                    || l.starts_with("dupaudit_window_end_timestamp_seconds"))
            })
            .map(String::from)
            .collect()
    };
    let spec = AuditSpec::load(&repo().join("dupaudit.toml")).unwrap();
    let as_of: chrono::DateTime<chrono::Utc> = AS_OF.parse().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for server in [Server::Postgres, Server::Mysql] {
        let db = TestDb::new(server);
        load(db.url(), &[]);
        let source = database_source(db.url());
        let data = runtime
            .block_on(source.load(&spec, &dupaudit::progress::Progress::hidden()))
            .unwrap();
        let findings = dupaudit::scan::scan(&data, &spec, as_of);
        let whole = Report {
            format_version: FORMAT_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            generated_at: as_of,
            source: dupaudit::source::Source::Database(source).info(&spec),
            spec: "dupaudit.toml".into(),
            scan_seconds: 0.0,
            audited_window: None,
            // A scan of everything knows what is outstanding: what it found.
            outstanding: Some(dupaudit::report::Outstanding::of_everything(&findings)),
            findings,
        };
        assert!(whole.findings.findings.len() > 10);
        for (format, name) in [
            (Format::Table, "table"),
            (Format::Csv, "csv"),
            (Format::Markdown, "markdown"),
            (Format::Html, "html"),
            (Format::Prometheus, "prometheus"),
        ] {
            let run = Workdir::run_in_repo(&[
                "scan",
                "--database-url",
                db.url(),
                "--format",
                name,
                "--as-of",
                AS_OF,
                "--limit",
                "0",
            ]);
            run.expect_code(1);
            let expected = whole.render(
                format,
                RenderOptions {
                    limit: 0,
                    // What `scan` fails on by default, for the verdict.
                    fail_on: [Class::Exact, Class::Conflict, Class::UnknownStatus]
                        .map(|c| (c, 1))
                        .to_vec(),
                    ..Default::default()
                },
            );
            let (got, expected) = (timeless(&run.stdout()), timeless(&expected));
            assert!(got.len() > 10, "{server:?} {name}: {} lines", got.len());
            assert_eq!(got, expected, "{server:?} {name}");
        }
    }
}

#[test]
fn checking_only_duplicates_in_a_database_finds_the_same_groups() {
    let db = TestDb::new(Server::Postgres);
    load(db.url(), &[]);
    let full = scan(db.url(), &[]);
    let dups = scan(db.url(), &["--classes", "exact,conflict"]);
    let expected: Vec<_> = full
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.class,
                dupaudit::findings::Class::Exact | dupaudit::findings::Class::Conflict
            )
        })
        .cloned()
        .collect();
    assert_eq!(dups.findings, expected);
    assert_eq!(dups.window, full.window);
    // Such a scan counts the keys from the duplicated ones; one that does not check
    // duplicates counts them with COUNT(DISTINCT): the same totals. (Non-JSON
    // payloads are counted only by a scan that reads every payload.)
    let late = scan(db.url(), &["--classes", "late-write"]);
    for t in [&dups.totals, &late.totals] {
        assert_eq!(
            (t.result_rows, t.null_key_rows, t.keys),
            (
                full.totals.result_rows,
                full.totals.null_key_rows,
                full.totals.keys,
            )
        );
    }
    // The log is counted by a scan that checks a class reading it whole, and left
    // uncounted by one of the duplicate classes alone.
    assert_eq!(
        (late.totals.log_rows, late.totals.unknown_statuses),
        (full.totals.log_rows, full.totals.unknown_statuses)
    );
    assert!(full.totals.log_rows.is_some_and(|n| n > 0));
    assert_eq!(
        (dups.totals.log_rows, dups.totals.unknown_statuses),
        (None, None)
    );
}

#[test]
fn postgres_finds_the_same_with_and_without_an_index_on_the_key() {
    let sqlite = scan(
        &format!("sqlite://{}", sample("incident.sqlite").display()),
        &[],
    );
    let db = TestDb::new(Server::Postgres);
    load(db.url(), &[]);
    let db_name = db.name();
    // On a table of a few thousand rows the planner would read the table whole
    // anyway; without sequential scans it has to take the index when there is one.
    execute(
        db.url(),
        &[format!(
            "ALTER DATABASE {} SET enable_seqscan = off",
            quote_ident(Dialect::Postgres, db_name)
        )],
    );
    // The index `dupaudit load` builds on the spec's key (operation_name,
    // idempotency_key); the log's primary key starts with the same columns. The two
    // rows of a key written twice are read back by row id; the log rows by key.
    let index = "results_operation_name_idempotency_key_idx";
    let log_index = "idempotency_log_pkey";
    let index_scans = |name: &str| {
        query_i64(
            db.url(),
            &format!("SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = '{name}'"),
        )
        .unwrap()
    };
    let dups = ["--classes", "exact,conflict"];
    let before = index_scans(log_index);
    let indexed_dups = scan(db.url(), &dups);
    // Statistics reach the view when the scan's connection ends: wait a little.
    let mut tries = 0;
    while index_scans(log_index) == before && tries < 50 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        tries += 1;
    }
    // One index scan per key looked up (a nested loop), not one pass over the index.
    let duplicated = indexed_dups.findings.len() as i64;
    assert!(duplicated > 0);
    assert!(
        index_scans(log_index) - before >= duplicated,
        "the scan looked the log rows of each of the {duplicated} duplicated keys up through the index"
    );
    let indexed = scan(db.url(), &[]);
    execute(
        db.url(),
        &[
            format!("DROP INDEX {index}"),
            "ALTER TABLE idempotency_log DROP CONSTRAINT idempotency_log_pkey".to_string(),
        ],
    );
    let unindexed = scan(db.url(), &[]);
    let unindexed_dups = scan(db.url(), &dups);
    assert_same(&indexed, &sqlite, "with an index");
    assert_same(&unindexed, &sqlite, "without an index");
    assert_same(
        &indexed_dups,
        &unindexed_dups,
        "duplicates with and without an index",
    );
}

/// A source of the database at `url` reading on one connection.
fn database_source(url: &str) -> dupaudit::source::DatabaseSource {
    database_source_in(url, 1)
}

/// A source of the database at `url` reading over `partitions` connections.
fn database_source_in(url: &str, partitions: u32) -> dupaudit::source::DatabaseSource {
    dupaudit::source::DatabaseSource::new(
        url,
        None,
        dupaudit::source::DatabaseOptions {
            connect_timeout: std::time::Duration::from_secs(10),
            statement_timeout: None,
            partitions,
        },
    )
    .unwrap()
}

/// The classes a database checks, with and without a window, as each scan of
/// [`assert_parts_give_whole`] takes them: every class SQL checks, the duplicate
/// classes alone, and every class over the keys touched in a window of the incident
/// (as in window.rs).
fn scans_in_parts() -> Vec<AuditSpec> {
    use dupaudit::findings::Class;
    let base = AuditSpec::load(&repo().join("dupaudit.toml")).unwrap();
    let sql_classes: Vec<Class> = Class::ALL
        .into_iter()
        .filter(|c| *c != Class::CrossKey && !Class::REDIS_ONLY.contains(c))
        .collect();
    let window = dupaudit::spec::TimeWindow {
        since: "2026-10-14T14:04:10Z".parse().unwrap(),
        until: "2026-10-14T18:00:00Z".parse().unwrap(),
    };
    [
        (sql_classes.clone(), None),
        (vec![Class::Exact, Class::Conflict], None),
        (sql_classes, Some(window)),
    ]
    .into_iter()
    .map(|(classes, window)| {
        let mut spec = base.clone();
        spec.scan.cross_key = false;
        spec.scan.classes = classes;
        spec.scan.window = window;
        spec
    })
    .collect()
}

/// Reads the rows of `source` in parts of 1, 5 and a million keys, each part
/// scanned as it is handed over, and checks that every way gives the findings of
/// the rows read whole, which it returns.
fn assert_parts_give_whole(
    source: &dupaudit::source::DatabaseSource,
    spec: &AuditSpec,
    what: &str,
) -> Findings {
    use dupaudit::model::Dataset;
    use dupaudit::progress::Progress;
    use dupaudit::scan::PartScan;
    use dupaudit::source::Parts;

    let as_of: chrono::DateTime<chrono::Utc> = AS_OF.parse().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let whole = runtime
        .block_on(source.load(spec, &Progress::hidden()))
        .unwrap();
    let expected = dupaudit::scan::scan(&whole, spec, as_of);
    assert!(expected.findings.len() > 10);
    for keys_per_part in [1, 5, 1_000_000] {
        let what = format!(
            "{what}, classes {:?}, window {:?}, {keys_per_part} keys a part",
            spec.scan.classes, spec.scan.window
        );
        let (parts, found) = crate::harness::scan_in_parts(
            |each| {
                let mut streamed = PartScan::new(spec, as_of);
                let mut on_part = |part: Dataset, origin: Vec<usize>| {
                    each(streamed.part(part, &origin))
                        .map_err(|()| dupaudit::Error::Runtime("a part was refused".into()))
                };
                let parts = runtime
                    .block_on(source.load_parts(
                        spec,
                        &Progress::hidden(),
                        Some((keys_per_part, &mut on_part)),
                    ))
                    .unwrap();
                match parts {
                    Parts::Streamed { shape } => Ok(streamed.finish(&shape)),
                    Parts::Whole(_) => panic!("{what}: the rows were read whole"),
                }
            },
            |_| Ok::<_, ()>(()),
        )
        .unwrap();
        assert!(keys_per_part > 1 || parts > 100, "{parts} parts; {what}");
        assert_eq!(found, expected, "{what}");
    }
    expected
}

/// A PostgreSQL scan reported as JSON reads the rows in parts of a key range, each
/// scanned as soon as it is read: with an index on the key in both tables, the rows
/// of each part's keys looked up through it; without, every interesting row sorted
/// by key in one query. In parts of any size, either gives the findings of the rows
/// read whole.
#[test]
fn postgres_rows_read_in_parts_give_the_findings_of_rows_read_whole() {
    use dupaudit::findings::Class;

    let db = TestDb::new(Server::Postgres);
    load(db.url(), &[]);
    let source = database_source(db.url());
    // `dupaudit load` indexes the spec's key in both tables: the parts are streamed,
    // in the order of the index where the key columns compare in byte order (the
    // test databases' C.UTF-8), else sorted by byte by the server; the ICU root
    // collation puts `_` before `-`, digits and letters, and `Zeta` after `alpha`,
    // where bytes put them in the opposite order. Without the indexes the server
    // sorts the rows by byte.
    for (indexed, collation) in [(true, None), (true, Some("und-x-icu")), (false, None)] {
        if let Some(collation) = collation {
            let mut statements = Vec::new();
            for table in ["results", "idempotency_log"] {
                statements.push(format!(
                    "ALTER TABLE {table} ALTER COLUMN idempotency_key TYPE text COLLATE \"{collation}\""
                ));
            }
            // `9` is written three times: without the indexes its rows are read by
            // key, the others' two by row id.
            for (i, key) in ["_x", "Zeta", "alpha", "-y", "9"].into_iter().enumerate() {
                for copy in 0..if key == "9" { 3 } else { 2 } {
                    statements.push(format!(
                        "INSERT INTO results VALUES ({id}, 'charge', '{key}', 'a{copy}', \
                         '{{\"amount\": {i}}}', '2024-05-01T10:00:00Z')",
                        id = 900_000 + 3 * i + copy
                    ));
                }
                statements.push(format!(
                    "INSERT INTO idempotency_log VALUES ('{key}', 'a0', 'charge', 'COMPLETED', \
                     '2024-05-01T09:59:00Z', '2024-05-01T10:00:00Z')"
                ));
            }
            execute(db.url(), &statements);
        }
        if !indexed {
            execute(
                db.url(),
                &[
                    "DROP INDEX results_operation_name_idempotency_key_idx".to_string(),
                    "ALTER TABLE idempotency_log DROP CONSTRAINT idempotency_log_pkey".to_string(),
                ],
            );
        }
        for spec in scans_in_parts() {
            let what = format!("indexed {indexed}, collation {collation:?}");
            let expected = assert_parts_give_whole(&source, &spec, &what);
            // The rows added under the collation lie outside the window.
            if collation.is_some() && spec.scan.window.is_none() {
                let exact: Vec<&str> = expected
                    .findings
                    .iter()
                    .filter(|f| f.class == Class::Exact)
                    .filter_map(|f| f.key.as_ref().map(|k| k[1].as_str()))
                    .filter(|k| ["_x", "Zeta", "alpha", "-y", "9"].contains(k))
                    .collect();
                assert_eq!(exact, ["-y", "9", "Zeta", "_x", "alpha"], "in byte order");
            }
        }
    }
}

/// MariaDB and SQLite read the rows of a scan reported as JSON in parts too, sorted
/// by key in byte order by one query: in parts of any size, the findings of the rows
/// read whole. MariaDB's default collation (utf8mb4_general_ci) puts `_x` before `-y`
/// and takes `ALPHA` for `alpha`, where bytes put `-y` first and tell the two apart.
#[test]
fn mariadb_and_sqlite_rows_read_in_parts_give_the_findings_of_rows_read_whole() {
    let db = TestDb::new(Server::Mysql);
    load(db.url(), &[]);
    let mut statements = Vec::new();
    for (i, key) in ["_x", "Zeta", "alpha", "-y", "ALPHA"]
        .into_iter()
        .enumerate()
    {
        for copy in 0..2 {
            statements.push(format!(
                "INSERT INTO results VALUES ({id}, 'charge', '{key}', 'a{copy}', \
                 '{{\"amount\": {i}}}', '2024-05-01 10:00:00')",
                id = 900_000 + 2 * i + copy
            ));
        }
    }
    execute(db.url(), &statements);
    let sqlite = format!("sqlite://{}", sample("incident.sqlite").display());
    for (name, url) in [("MariaDB", db.url()), ("SQLite", sqlite.as_str())] {
        let source = database_source(url);
        for spec in scans_in_parts() {
            assert_parts_give_whole(&source, &spec, name);
        }
    }
    // The keys are counted as the scan compares them, byte for byte: `alpha` and
    // `ALPHA` are two keys, which utf8mb4_general_ci would count as one. So counts
    // a scan of the duplicates (from their surplus rows) and one without (distinct
    // keys).
    for classes in [&[][..], &["--classes", "late-write"][..]] {
        let keys = |url: &str| scan(url, classes).totals.keys;
        assert_eq!(keys(db.url()), keys(&sqlite) + 5, "{classes:?}");
    }
}

#[test]
fn postgres_partitioned_results_give_the_findings_of_sqlite() {
    // The rows of a partitioned table share row ids across partitions: the scan must
    // read them by key, not by id, and still find exactly what SQLite does.
    let sqlite = scan(
        &format!("sqlite://{}", sample("incident.sqlite").display()),
        &[],
    );
    let db = TestDb::new(Server::Postgres);
    load(db.url(), &[]);
    execute(
        db.url(),
        &[
            "ALTER TABLE results RENAME TO results_plain".to_string(),
            "CREATE TABLE results (LIKE results_plain) PARTITION BY HASH (id)".to_string(),
            "CREATE TABLE results_p0 PARTITION OF results FOR VALUES WITH (MODULUS 2, REMAINDER 0)"
                .to_string(),
            "CREATE TABLE results_p1 PARTITION OF results FOR VALUES WITH (MODULUS 2, REMAINDER 1)"
                .to_string(),
            "INSERT INTO results SELECT * FROM results_plain".to_string(),
            "DROP TABLE results_plain".to_string(),
        ],
    );
    // Both partitions hold a row at the first row id of their first page.
    let shared = query_i64(
        db.url(),
        "SELECT count(*) FROM (SELECT ctid FROM results GROUP BY ctid HAVING count(*) > 1) s",
    )
    .unwrap();
    assert!(shared > 0, "the partitions share row ids");
    assert_same(&scan(db.url(), &[]), &sqlite, "partitioned results table");
    assert_same(
        &scan(db.url(), &["--classes", "exact,conflict"]),
        &scan(
            &format!("sqlite://{}", sample("incident.sqlite").display()),
            &["--classes", "exact,conflict"],
        ),
        "duplicates in a partitioned results table",
    );
}

/// Cross-key on SQLite hashes and groups the payloads inside SQLite and reads the
/// rows it names back by rowid; a results table without row ids (a view, a WITHOUT
/// ROWID table) is read in two passes instead. Each finds what the table with row
/// ids finds, which is what the sample holds.
#[test]
fn sqlite_cross_key_finds_the_same_on_a_table_a_view_and_a_table_without_rowid() {
    let cross_key = ["--classes", "cross-key"];
    let w = Workdir::new();
    let db = w.path("incident.sqlite");
    std::fs::copy(sample("incident.sqlite"), &db).unwrap();
    let url = format!("sqlite://{}", db.display());
    let table = scan(&url, &cross_key);
    assert!(
        table.of(Class::CrossKey).next().is_some(),
        "the sample has cross-key findings"
    );
    execute(
        &url,
        &[
            "ALTER TABLE results RENAME TO results_data".to_string(),
            "CREATE VIEW results AS SELECT * FROM results_data".to_string(),
        ],
    );
    assert_same(&scan(&url, &cross_key), &table, "results as a view");
    execute(
        &url,
        &[
            "DROP VIEW results".to_string(),
            "CREATE TABLE results (id INTEGER NOT NULL PRIMARY KEY, operation_name TEXT NOT NULL, \
             idempotency_key TEXT, attempt_id TEXT NOT NULL, payload TEXT NOT NULL, \
             created_at TEXT NOT NULL) WITHOUT ROWID"
                .to_string(),
            "INSERT INTO results SELECT * FROM results_data".to_string(),
        ],
    );
    assert_same(&scan(&url, &cross_key), &table, "results WITHOUT ROWID");
}

#[test]
fn postgres_reads_back_keys_holding_quotes_commas_braces_and_separators() {
    // Keyed by idempotency_key alone, the key list is bound as one text the server
    // splits; with a unit separator in a key, as an array literal. Both must read back
    // every row of keys holding the characters those forms quote or split on.
    let mut spec = AuditSpec::load(&repo().join("dupaudit.toml")).unwrap();
    spec.source = Default::default();
    spec.results.key = vec!["idempotency_key".into()];
    spec.log.key = vec!["idempotency_key".into()];
    let w = Workdir::new();
    let spec_path = w.write("one-column.toml", &toml::to_string(&spec).unwrap());
    let db = TestDb::new(Server::Postgres);
    load(db.url(), &[]);
    let one_column = ["--spec", path_str(&spec_path)];
    let plain = scan(db.url(), &one_column);
    assert!(plain.findings.iter().any(|f| f.class.name() == "exact"));

    let prefix = r#",a "b" {c} \d"#;
    let rename = |table: &str, with: &str| {
        format!(
            "UPDATE {table} SET idempotency_key = {} || idempotency_key{with}",
            "'".to_string() + &prefix.replace('\'', "''") + "'"
        )
    };
    // Then one key also gets a unit separator: the list falls back to arrays.
    let odd_key = plain.findings[0].key.as_ref().unwrap()[0].clone();
    let separated = |table: &str| {
        format!(
            "UPDATE {table} SET idempotency_key = idempotency_key || chr(31) \
             WHERE idempotency_key = '{prefix}{odd_key}'"
        )
    };
    for (step, statements) in [
        (
            "quoted characters",
            vec![rename("results", ""), rename("idempotency_log", "")],
        ),
        (
            "a unit separator",
            vec![separated("results"), separated("idempotency_log")],
        ),
    ] {
        execute(db.url(), &statements);
        let mut found = scan(db.url(), &one_column);
        let strip = |key: &mut Option<Vec<String>>| {
            if let Some(k) = key {
                let original = k[0]
                    .strip_prefix(prefix)
                    .unwrap_or_else(|| panic!("{step}: key {:?} kept its prefix", k[0]))
                    .trim_end_matches('\u{1f}')
                    .to_string();
                k[0] = original;
            }
        };
        for f in &mut found.findings {
            strip(&mut f.key);
            for r in &mut f.rows {
                strip(&mut r.key);
            }
        }
        dupaudit::scan::sort_findings(&mut found.findings);
        assert_same(&found, &plain, step);
    }
}

#[test]
fn mariadb_reads_back_keys_in_their_own_character_set_and_collation() {
    // MariaDB reads the interesting keys first and names them again as literals in
    // their columns' character sets: keys with quotes, a backslash and a letter
    // outside ASCII must read back every row, under a binary collation and in
    // latin1, whose collation a literal of another character set would clash with.
    // Cross-key is left out: in latin1 the log rows of the keys only its copies name
    // are looked up with a list of several (operation, key) tuples, which MariaDB
    // matches to no latin1 key outside ASCII (docs/limitations.md).
    let spec = AuditSpec::load(&repo().join("dupaudit.toml")).unwrap();
    let at = spec
        .results
        .key
        .iter()
        .position(|c| c == "idempotency_key")
        .expect("the sample's key names idempotency_key");
    let db = TestDb::new(Server::Mysql);
    load(db.url(), &[]);
    let all_but_cross_key: Vec<&str> = Class::ALL
        .iter()
        .filter(|c| **c != Class::CrossKey)
        .map(|c| c.name())
        .collect();
    let all_but_cross_key = all_but_cross_key.join(",");
    let classes = ["--classes", all_but_cross_key.as_str()];
    let plain = scan(db.url(), &classes);
    assert!(plain.findings.iter().any(|f| f.class.name() == "exact"));
    let prefix = "é\"' ,\\";
    let column = |collation: &str| {
        ["results", "idempotency_log"]
            .map(|table| {
                format!("ALTER TABLE {table} MODIFY idempotency_key VARCHAR(100) {collation}")
            })
            .to_vec()
    };
    let renamed = ["results", "idempotency_log"]
        .map(|table| {
            format!(
                "UPDATE {table} SET idempotency_key = CONCAT('é\"'' ,\\\\', idempotency_key) \
                 WHERE idempotency_key IS NOT NULL"
            )
        })
        .to_vec();
    for (step, statements) in [
        (
            "utf8mb4, binary collation",
            [column("CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"), renamed].concat(),
        ),
        (
            "latin1, case-sensitive collation",
            column("CHARACTER SET latin1 COLLATE latin1_general_cs"),
        ),
    ] {
        execute(db.url(), &statements);
        let mut found = scan(db.url(), &classes);
        let strip = |key: &mut Option<Vec<String>>| {
            if let Some(k) = key {
                k[at] = k[at]
                    .strip_prefix(prefix)
                    .unwrap_or_else(|| panic!("{step}: key {:?} lost its prefix", k[at]))
                    .to_string();
            }
        };
        for f in &mut found.findings {
            strip(&mut f.key);
            for r in &mut f.rows {
                strip(&mut r.key);
            }
        }
        dupaudit::scan::sort_findings(&mut found.findings);
        assert_same(&found, &plain, step);
    }
}

#[test]
fn a_scan_killed_mid_query_leaves_nothing_running_on_postgres() {
    let db = TestDb::new(Server::Postgres);
    load(db.url(), &[]);
    // Every query on `results` now takes a minute: the scan is still in its first
    // pass over the table when it is killed.
    execute(
        db.url(),
        &[
            "ALTER TABLE results RENAME TO results_data".to_string(),
            "CREATE VIEW results AS SELECT r.* FROM results_data r, (SELECT pg_sleep(60)) s"
                .to_string(),
        ],
    );
    let busy = || {
        query_i64(
            db.url(),
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND state = 'active' AND pid <> pg_backend_pid()",
        )
        .unwrap()
    };
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dupaudit"))
        .current_dir(repo())
        .env_remove("DATABASE_URL")
        .args(["scan", "--database-url", db.url(), "--format", "json"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starting the scan");
    let started = std::time::Instant::now();
    while busy() == 0 {
        assert!(
            started.elapsed().as_secs() < 20,
            "the scan never reached the server"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaping the scan");
    let killed = std::time::Instant::now();
    while busy() > 0 {
        assert!(
            killed.elapsed().as_secs() < 10,
            "the server was still running the killed scan's queries after 10 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The findings of a scan in parts are rendered into temporary files while the next
/// parts are read: where none can be made, the scan stops with an error that names
/// the directory, and writes no report.
#[test]
fn postgres_scan_in_parts_without_a_temporary_directory_fails_naming_it() {
    let db = TestDb::new(Server::Postgres);
    load(db.url(), &[]);
    let work = Workdir::new();
    let report = work.path("report.json");
    let output = assert_cmd::Command::cargo_bin("dupaudit")
        .unwrap()
        .current_dir(repo())
        .env("TMPDIR", "/nonexistent/dupaudit-tmp")
        .args(["scan", "--database-url", db.url(), "--format", "json", "-o"])
        .arg(&report)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("cannot use a temporary file in /nonexistent/dupaudit-tmp"),
        "{stderr}"
    );
    assert!(!report.exists());
}

#[test]
fn sqlite_reads_the_same_in_wal_mode_as_beside_its_own_lock() {
    // With a rollback journal, SQLite's keys queries run on connections of their own
    // while the scan's holds its read lock; in WAL mode, where such a connection could
    // read a later snapshot, the scan reads keys and rows in one query. Both ways find
    // the same.
    let w = Workdir::new();
    let copy = w.path("incident.sqlite");
    std::fs::copy(sample("incident.sqlite"), &copy).unwrap();
    let url = format!("sqlite://{}", path_str(&copy));
    let beside = scan(&url, &[]);
    run_sql(&url, "PRAGMA journal_mode = WAL").unwrap();
    assert_eq!(
        query_i64(&url, "SELECT journal_mode = 'wal' FROM pragma_journal_mode").unwrap(),
        1
    );
    let wal = scan(&url, &[]);
    assert_same(&beside, &wal, "SQLite in WAL mode");
    assert_eq!(beside.totals, wal.totals);
    assert!(beside.findings.len() > 10);
}
