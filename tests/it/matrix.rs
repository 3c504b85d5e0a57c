//! The conformance matrix: one small incident written in every shape of
//! [`Shape::matrix`] (key types, time forms, status spellings, with and without
//! indexes, a foreign key) into every engine: SQLite, PostgreSQL, MariaDB, CSV,
//! Parquet and NDJSON. In every cell the scan must match the generator's ground truth
//! row for row. In every database cell every command runs: `explain` of a
//! duplicated key as the scan prints it, `plan`, `apply --dry-run` (nothing
//! changes), `apply` (no class finds more than before, no duplicate is left),
//! `restore` (the scan finds exactly what it found first), `suggest-constraint`.
//!
//! One test per engine, each running every shape and naming every failing cell at
//! the end rather than stopping at the first.

use std::collections::BTreeMap;
use std::fmt::Write;

use dupaudit::findings::{key_text, Class, Findings};
use dupaudit::generate::shape::Shape;
use dupaudit::generate::GroundTruth;
use proptest::prelude::*;

use crate::harness::{path_str, Workdir, AS_OF};
use crate::servers::{Server, TestDb};

/// Rows of each cell's incident: about a hundred duplicated keys and a few of every
/// other class.
const ROWS: &str = "500";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Sqlite,
    Postgres,
    Mariadb,
    Csv,
    Parquet,
    Ndjson,
}

impl Engine {
    fn is_database(self) -> bool {
        matches!(self, Engine::Sqlite | Engine::Postgres | Engine::Mariadb)
    }
}

/// The flags of `generate` and `load` that write a shape.
fn shape_args(shape: Shape) -> Vec<String> {
    let mut args = vec![
        "--key-type".to_string(),
        shape.key.to_string(),
        "--time-form".into(),
        shape.time.to_string(),
        "--statuses".into(),
        shape.statuses.to_string(),
    ];
    if !shape.indexed {
        args.push("--no-index".into());
    }
    if shape.foreign_key {
        args.push("--foreign-key".into());
    }
    args
}

/// One cell: the data written, the spec that reads it and the flags that name it.
struct Cell {
    dir: Workdir,
    spec: String,
    source: Vec<String>,
    truth: GroundTruth,
    _db: Option<TestDb>,
}

impl Cell {
    fn new(engine: Engine, shape: Shape) -> Cell {
        Cell::generated(engine, shape, 42)
    }

    /// The incident of `seed` in `shape`, in `engine`.
    fn generated(engine: Engine, shape: Shape, seed: u64) -> Cell {
        let seed = seed.to_string();
        let dir = Workdir::new();
        let shape_flags = shape_args(shape);
        let flags: Vec<&str> = shape_flags.iter().map(String::as_str).collect();
        let out = path_str(&dir.path("data")).to_string();
        let format = match engine {
            Engine::Csv => "csv",
            Engine::Parquet => "parquet",
            Engine::Ndjson => "ndjson",
            Engine::Sqlite | Engine::Postgres | Engine::Mariadb => "sqlite",
        };
        let mut args = vec![
            "generate",
            "--rows",
            ROWS,
            "--seed",
            &seed,
            "--out",
            &out,
            "--formats",
            format,
        ];
        args.extend_from_slice(&flags);
        dir.run(&args).expect_code(0);
        let truth: GroundTruth = serde_json::from_str(
            &std::fs::read_to_string(dir.path("data/ground-truth.json")).expect("the truth"),
        )
        .expect("the truth parses");
        let (source, db) = match engine {
            Engine::Sqlite => (
                vec![
                    "--database-url".to_string(),
                    format!("sqlite://{}", dir.path("data/incident.sqlite").display()),
                ],
                None,
            ),
            Engine::Postgres | Engine::Mariadb => {
                let server = match engine {
                    Engine::Postgres => Server::Postgres,
                    _ => Server::Mysql,
                };
                let db = TestDb::new(server);
                let mut args = vec![
                    "load",
                    "--database-url",
                    db.url(),
                    "--rows",
                    ROWS,
                    "--seed",
                    &seed,
                ];
                args.extend_from_slice(&flags);
                dir.run(&args).expect_code(0);
                (
                    vec!["--database-url".to_string(), db.url().to_string()],
                    Some(db),
                )
            }
            Engine::Csv | Engine::Parquet | Engine::Ndjson => {
                let file =
                    |name: &str| path_str(&dir.path(&format!("data/{name}.{format}"))).to_string();
                (
                    vec![
                        "--results-file".to_string(),
                        file("results"),
                        "--log-file".into(),
                        file("idempotency_log"),
                    ],
                    None,
                )
            }
        };
        let spec = dir.write("spec.toml", &shape.spec());
        Cell {
            spec: path_str(&spec).to_string(),
            source,
            truth,
            dir,
            _db: db,
        }
    }

    fn run(&self, command: &str, extra: &[&str]) -> crate::harness::Run {
        let mut args = vec![command, "--spec", &self.spec];
        args.extend(self.source.iter().map(String::as_str));
        args.extend_from_slice(extra);
        self.dir.run(&args)
    }

    fn scan(&self) -> Findings {
        self.run(
            "scan",
            &["--format", "json", "--fail-on", "none", "--as-of", AS_OF],
        )
        .expect_code(0)
        .report()
        .findings
    }
}

fn id(pk: &[String]) -> i64 {
    pk[0].parse().expect("generated primary keys are integers")
}

/// Where a scan's findings differ from the truth, one line per class.
fn against_truth(f: &Findings, t: &GroundTruth) -> Vec<String> {
    let groups = |class: Class| -> Vec<Vec<i64>> {
        let mut out: Vec<Vec<i64>> = f
            .of(class)
            .map(|g| {
                let mut ids: Vec<i64> = g.rows.iter().map(|r| id(&r.pk)).collect();
                ids.sort();
                ids
            })
            .collect();
        out.sort();
        out
    };
    let rows = |class: Class| -> Vec<i64> {
        let mut out: Vec<i64> = f
            .of(class)
            .flat_map(|g| g.rows.iter().map(|r| id(&r.pk)))
            .collect();
        out.sort();
        out
    };
    let attempts = |class: Class| -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = f
            .of(class)
            .flat_map(|g| {
                let key = g.key.clone().unwrap_or_default();
                g.attempts.iter().map(move |a| {
                    let mut k = key.clone();
                    k.push(a.attempt.clone().unwrap_or_default());
                    k
                })
            })
            .collect();
        out.sort();
        out
    };
    let mut multi: Vec<Vec<String>> = f
        .of(Class::MultiComplete)
        .map(|g| g.key.clone().unwrap_or_default())
        .collect();
    multi.sort();
    let mut non_json: Vec<i64> = f.non_json_rows.iter().map(|pk| id(pk)).collect();
    non_json.sort();
    let mut wrong = Vec::new();
    let mut check = |what: &str, same: bool, detail: String| {
        if !same {
            wrong.push(format!("{what}: {detail}"));
        }
    };
    macro_rules! same {
        ($what:expr, $found:expr, $truth:expr) => {{
            let (found, truth) = ($found, $truth);
            check(
                $what,
                found == truth,
                format!("found {:?}, truth {:?}", found, truth),
            );
        }};
    }
    same!("exact", groups(Class::Exact), t.exact.clone());
    same!("conflict", groups(Class::Conflict), t.conflict.clone());
    same!("cross-key", groups(Class::CrossKey), t.cross_key.clone());
    same!("late-write", rows(Class::LateWrite), t.late_write.clone());
    same!(
        "orphan-result",
        rows(Class::OrphanResult),
        t.orphan_result.clone()
    );
    same!("null-key", rows(Class::NullKey), t.null_key.clone());
    same!(
        "stale-processing",
        attempts(Class::StaleProcessing),
        t.stale_processing.clone()
    );
    same!(
        "missing-result",
        attempts(Class::MissingResult),
        t.missing_result.clone()
    );
    same!("multi-complete", multi, t.multi_complete.clone());
    same!("non-JSON", non_json, t.non_json.clone());
    same!("unknown statuses", f.totals.unknown_statuses, Some(0));
    match &f.window {
        None => check("window", false, "none found".into()),
        Some(w) => same!(
            "window",
            (w.start, w.end, w.surplus_rows),
            (t.window_start, t.window_end, t.window_surplus_rows)
        ),
    }
    wrong
}

/// Two scans find the same: the non-JSON rows listed may come in another order,
/// that of the table's storage, which a restore changes.
fn same_scan(a: &Findings, b: &Findings) -> bool {
    let sorted = |f: &Findings| {
        let mut f = f.clone();
        f.non_json_rows.sort();
        f
    };
    sorted(a) == sorted(b)
}

/// The incident's three hours and a margin: a scan limited to it audits the keys
/// touched then, whatever form the cell's times are stored in.
const SINCE: &str = "2026-10-14T13:00:00Z";
const UNTIL: &str = "2026-10-14T18:00:00Z";

/// What a scan found in terms every shape shares: per class its groups, rows and
/// surplus rows, and the ids of the rows of its result-side findings.
fn in_row_ids(f: &Findings) -> BTreeMap<Class, (u64, u64, u64, Vec<i64>)> {
    f.checked
        .iter()
        .map(|&class| {
            let s = f.summary_of(class);
            let mut ids: Vec<i64> = f
                .of(class)
                .flat_map(|g| g.rows.iter().map(|r| id(&r.pk)))
                .collect();
            ids.sort();
            (class, (s.groups, s.rows, s.surplus_rows, ids))
        })
        .collect()
}

/// Scans of the duplicate classes alone, of cross-key alone, over a window, in parts over two
/// connections, and incrementally; where they differ from what they must find, in
/// words. `windowed` is the windowed scan
/// of the sample's shape on SQLite, which every cell's must equal by row ids.
fn scopes(cell: &Cell, engine: Engine, first: &Findings, windowed: &Findings) -> Vec<String> {
    let mut wrong = Vec::new();
    let scan = |extra: &[&str]| {
        let mut args = vec!["--format", "json", "--fail-on", "none", "--as-of", AS_OF];
        args.extend_from_slice(extra);
        cell.run("scan", &args)
    };
    // The duplicate classes alone read their rows their own way (by row id, on a
    // table without an index on the key): the same groups, rows and counts.
    let dups = scan(&["--classes", "exact,conflict"]);
    if dups.code() != 0 {
        wrong.push(format!(
            "--classes exact,conflict: exit {}: {}",
            dups.code(),
            dups.stderr()
        ));
    } else {
        let found = dups.report().findings;
        let mut expected = in_row_ids(first);
        expected.retain(|class, _| matches!(class, Class::Exact | Class::Conflict));
        let counts = |f: &Findings| (f.totals.result_rows, f.totals.keys, f.totals.null_key_rows);
        if in_row_ids(&found) != expected || counts(&found) != counts(first) {
            wrong.push(format!(
                "--classes exact,conflict: {:?} {:?}, the whole scan's: {expected:?} {:?}",
                in_row_ids(&found),
                counts(&found),
                counts(first)
            ));
        }
    }
    // Cross-key alone counts the keys its own way (on PostgreSQL, from its pass over
    // every keyed row): the same groups, rows and counts.
    let cross = scan(&["--classes", "cross-key"]);
    if cross.code() != 0 {
        wrong.push(format!(
            "--classes cross-key: exit {}: {}",
            cross.code(),
            cross.stderr()
        ));
    } else {
        let found = cross.report().findings;
        let mut expected = in_row_ids(first);
        expected.retain(|class, _| *class == Class::CrossKey);
        let counts = |f: &Findings| (f.totals.result_rows, f.totals.keys, f.totals.null_key_rows);
        if in_row_ids(&found) != expected || counts(&found) != counts(first) {
            wrong.push(format!(
                "--classes cross-key: {:?} {:?}, the whole scan's: {expected:?} {:?}",
                in_row_ids(&found),
                counts(&found),
                counts(first)
            ));
        }
    }
    let window = scan(&["--since", SINCE, "--until", UNTIL]);
    if window.code() != 0 {
        wrong.push(format!(
            "scan over a window: exit {}: {}",
            window.code(),
            window.stderr()
        ));
    } else {
        let found = window.report().findings;
        if in_row_ids(&found) != in_row_ids(windowed) {
            wrong.push(format!(
                "scan over a window: {:?}, the sample's shape: {:?}",
                in_row_ids(&found),
                in_row_ids(windowed)
            ));
        }
    }
    if matches!(engine, Engine::Postgres | Engine::Mariadb) {
        let parts = scan(&["--partitions", "2"]);
        if parts.code() != 0 || !same_scan(&parts.report().findings, first) {
            wrong.push(format!(
                "--partitions 2: exit {}: {}",
                parts.code(),
                parts.stderr()
            ));
        }
    }
    let state = path_str(&cell.dir.path("state.json")).to_string();
    for night in 0..2 {
        let run = scan(&["--incremental", &state]);
        if run.code() != 0 {
            wrong.push(format!(
                "--incremental, run {night}: exit {}: {}",
                run.code(),
                run.stderr()
            ));
        } else if night == 0 && !same_scan(&run.report().findings, first) {
            wrong.push("--incremental: the first run differs from a whole scan".into());
        } else if night == 1 {
            // Nothing was written since: the second night's window is empty, and what
            // is still in the table is everything the first found, read again by key.
            wrong.extend(outstanding_differences(&run.report(), first));
        }
    }
    wrong
}

/// Where a report's outstanding findings differ from those of a whole scan of the
/// same table (classes of one key each).
fn outstanding_differences(report: &dupaudit::report::Report, whole: &Findings) -> Vec<String> {
    let Some(o) = &report.outstanding else {
        return vec!["--incremental, run 1: no outstanding findings in the report".into()];
    };
    let unkeyed = [Class::CrossKey, Class::NullKey, Class::UnknownStatus];
    let keyed: Vec<Class> = (whole.checked.iter().copied())
        .filter(|c| !unkeyed.contains(c))
        .collect();
    let classes: Vec<Class> = o.summary.keys().copied().collect();
    if classes != keyed {
        return vec![format!(
            "--incremental, run 1: outstanding classes {classes:?}, checked {keyed:?}"
        )];
    }
    (o.summary.iter())
        .filter_map(|(class, n)| {
            let s = whole.summary_of(*class);
            let (got, want) = ((n.groups, n.surplus_rows), (s.groups, s.surplus_rows));
            (got != want).then(|| {
                format!("--incremental, run 1: {class} outstanding {got:?}, whole scan {want:?}")
            })
        })
        .collect()
}

/// Every command on a database cell; where it went wrong, in words.
fn commands(cell: &Cell, first: &Findings) -> Vec<String> {
    let mut wrong = Vec::new();
    // explain takes the key as the scan prints it.
    let exact = first.of(Class::Exact).next().expect("exact groups");
    let key = key_text(&exact.key);
    let explained = cell.run("explain", &[&key, "--as-of", AS_OF]);
    let out = explained.stdout();
    if !exact.rows.iter().all(|r| out.contains(&r.pk[0])) || explained.code() > 1 {
        wrong.push(format!(
            "explain {key}: exit {}, {out}{}",
            explained.code(),
            explained.stderr()
        ));
    }
    let plan = path_str(&cell.dir.path("plan.json")).to_string();
    let planned = cell.run("plan", &["-o", &plan]);
    if planned.code() != 0 {
        wrong.push(format!(
            "plan: exit {}: {}",
            planned.code(),
            planned.stderr()
        ));
        return wrong;
    }
    let dry = cell.run("apply", &[&plan, "--dry-run"]);
    if dry.code() != 0 || !same_scan(&cell.scan(), first) {
        wrong.push(format!(
            "apply --dry-run: exit {}: {}",
            dry.code(),
            dry.stderr()
        ));
    }
    let applied = cell.run("apply", &[&plan, "--yes", "--format", "json"]);
    if applied.code() != 0 {
        wrong.push(format!(
            "apply: exit {}: {}",
            applied.code(),
            applied.stderr()
        ));
        return wrong;
    }
    let run: serde_json::Value =
        serde_json::from_str(&applied.stdout()).expect("apply --format json");
    let run = run["run_id"].as_str().expect("a run id").to_string();
    let after = cell.scan();
    for class in Class::ALL {
        let (before, now) = (first.summary_of(class), after.summary_of(class));
        if now.groups > before.groups || now.rows > before.rows {
            wrong.push(format!(
                "after apply, {class} found {} groups ({} rows), before {} ({})",
                now.groups, now.rows, before.groups, before.rows
            ));
        }
    }
    if after.summary_of(Class::Exact).groups != 0 {
        wrong.push("after apply, exact duplicates are left".into());
    }
    let constraint = cell.run("suggest-constraint", &[]);
    if constraint.code() > 1 || !constraint.stdout().contains("UNIQUE") {
        wrong.push(format!(
            "suggest-constraint: exit {}: {}{}",
            constraint.code(),
            constraint.stdout(),
            constraint.stderr()
        ));
    }
    let restored = cell.run("restore", &[&run, "--yes"]);
    if restored.code() != 0 {
        wrong.push(format!(
            "restore: exit {}: {}",
            restored.code(),
            restored.stderr()
        ));
    } else if !same_scan(&cell.scan(), first) {
        wrong.push("after restore, the scan differs from the first".into());
    }
    wrong
}

/// Every shape in `engine`; panics naming each failing cell and what failed.
fn conform(engine: Engine) {
    let mut report = String::new();
    let mut failed = 0;
    let windowed = Cell::new(Engine::Sqlite, Shape::default())
        .run(
            "scan",
            &[
                "--format",
                "json",
                "--fail-on",
                "none",
                "--as-of",
                AS_OF,
                "--since",
                SINCE,
                "--until",
                UNTIL,
            ],
        )
        .expect_code(0)
        .report()
        .findings;
    for shape in Shape::matrix() {
        let cell = Cell::new(engine, shape);
        let scan = cell.run(
            "scan",
            &["--format", "json", "--fail-on", "none", "--as-of", AS_OF],
        );
        if scan.code() != 0 {
            failed += 1;
            let _ = writeln!(
                report,
                "{engine:?} {shape}: scan exit {}: {}",
                scan.code(),
                scan.stderr()
            );
            continue;
        }
        let first = scan.report().findings;
        let mut wrong = against_truth(&first, &cell.truth);
        if wrong.is_empty() {
            wrong = scopes(&cell, engine, &first, &windowed);
        }
        if wrong.is_empty() && engine.is_database() {
            wrong = commands(&cell, &first);
        }
        if !wrong.is_empty() {
            failed += 1;
            let _ = writeln!(report, "{engine:?} {shape}:\n  {}", wrong.join("\n  "));
        }
    }
    assert_eq!(failed, 0, "{failed} cells fail:\n{report}");
}

#[test]
fn conformance_matrix_sqlite() {
    conform(Engine::Sqlite);
}

#[test]
fn conformance_matrix_postgres() {
    conform(Engine::Postgres);
}

#[test]
fn conformance_matrix_mariadb() {
    conform(Engine::Mariadb);
}

#[test]
fn conformance_matrix_csv() {
    conform(Engine::Csv);
}

#[test]
fn conformance_matrix_parquet() {
    conform(Engine::Parquet);
}

#[test]
fn conformance_matrix_ndjson() {
    conform(Engine::Ndjson);
}

/// The same shape, every engine: the findings are identical, not only each equal
/// to the truth in what it lists.
#[test]
fn every_engine_finds_the_same_in_the_incidents_own_schema() {
    let shape = Shape::matrix()[1];
    let mut found: BTreeMap<String, Findings> = BTreeMap::new();
    for engine in [
        Engine::Sqlite,
        Engine::Postgres,
        Engine::Mariadb,
        Engine::Csv,
        Engine::Parquet,
        Engine::Ndjson,
    ] {
        found.insert(format!("{engine:?}"), Cell::new(engine, shape).scan());
    }
    let sqlite = found["Sqlite"].clone();
    for (engine, f) in &found {
        assert_eq!(f.findings, sqlite.findings, "{engine}: findings ({shape})");
        assert_eq!(f.summary, sqlite.summary, "{engine}: summary ({shape})");
        assert_eq!(f.window, sqlite.window, "{engine}: window ({shape})");
    }
}

/// Key columns of two types in the two tables: a UUID beside a text column is
/// compared as text and finds what two UUID columns find; bytes beside text is a
/// spec error naming both columns and their types, before any other query.
#[test]
fn key_columns_of_two_types_are_compared_as_text_or_refused_by_name() {
    let shape = Shape::matrix()[1];
    let cell = Cell::new(Engine::Postgres, shape);
    let typed = cell.scan();
    let url = cell.source[1].clone();
    crate::servers::run_sql(
        &url,
        "ALTER TABLE idempotency_log ALTER COLUMN idempotency_key TYPE text",
    )
    .unwrap();
    assert!(same_scan(&cell.scan(), &typed), "uuid beside text");
    crate::servers::run_sql(
        &url,
        "ALTER TABLE idempotency_log ALTER COLUMN idempotency_key TYPE bytea \
         USING decode(replace(idempotency_key, '-', ''), 'hex')",
    )
    .unwrap();
    cell.run("scan", &["--format", "json"])
        .expect_code(2)
        .stderr_has(&[
            "results.key column `idempotency_key` is uuid",
            "log.key column `idempotency_key` is bytea",
        ]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    /// After any plan of any generated incident is applied, no class finds more
    /// than before: a cleanup removes surplus copies and creates no finding (a key
    /// whose copy was removed has lost no result).
    #[test]
    fn a_cleanup_creates_no_finding(
        seed in 0u64..1_000_000,
        shape in 0usize..6,
        keep in prop::sample::select(vec![
            "completed-attempt,earliest",
            "earliest",
            "latest",
            "lowest-id",
        ]),
        resolve in any::<bool>(),
    ) {
        let cell = Cell::generated(Engine::Sqlite, Shape::matrix()[shape], seed);
        if resolve {
            // Conflicts planned too: every row of such a key but the keeper goes.
            let spec = std::fs::read_to_string(&cell.spec).unwrap();
            std::fs::write(
                &cell.spec,
                format!("{spec}\n[cleanup]\nresolve_conflicts = [\"latest\"]\n"),
            )
            .unwrap();
        }
        let before = cell.scan();
        let plan = path_str(&cell.dir.path("plan.json")).to_string();
        cell.run("plan", &["-o", &plan, "--keep", keep]).expect_code(0);
        cell.run("apply", &[&plan, "--yes"]).expect_code(0);
        let after = cell.scan();
        for class in Class::ALL {
            let (b, a) = (before.summary_of(class), after.summary_of(class));
            prop_assert!(
                a.groups <= b.groups && a.rows <= b.rows,
                "seed {seed}, shape {}, keep {keep}: {class} {} groups ({} rows) after, {} ({}) before",
                Shape::matrix()[shape], a.groups, a.rows, b.groups, b.rows
            );
        }
    }
}
