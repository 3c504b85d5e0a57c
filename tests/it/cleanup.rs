//! Cleanup end to end, from the command line: plan, apply (dry and real), a second
//! apply, restore, on SQLite, PostgreSQL and MariaDB; drift, tampered and foreign
//! plans; random tables (proptest); a kill test and a concurrent writer on
//! PostgreSQL.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use dupaudit::findings::{Class, Findings};
use dupaudit::plan::{FingerprintScheme, Plan};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

use crate::harness::{path_str, repo, sample, Run, Workdir, AS_OF};
use crate::servers::{query, query_i64, run_sql, Server, TestDb};

/// Every column of the sample's results table, in table order.
const COLUMNS: [&str; 6] = [
    "id",
    "operation_name",
    "idempotency_key",
    "attempt_id",
    "payload",
    "created_at",
];

/// A database holding a results table and a log: a SQLite file in the test's
/// directory, or a fresh database on a server.
pub(crate) struct Target {
    pub(crate) url: String,
    pub(crate) dir: Workdir,
    pub(crate) spec: String,
    /// The schema (MariaDB: database) of the results table and of apply's own
    /// tables, when the spec names one.
    schema: Option<String>,
    _db: Vec<TestDb>,
}

impl Target {
    /// A copy of the sample incident's SQLite file.
    pub(crate) fn sqlite() -> Target {
        let dir = Workdir::new();
        let file = dir.path("incident.sqlite");
        std::fs::copy(sample("incident.sqlite"), &file).expect("copying the sample");
        Target {
            url: format!("sqlite://{}", file.display()),
            spec: path_str(&repo().join("dupaudit.toml")).to_string(),
            dir,
            schema: None,
            _db: Vec::new(),
        }
    }

    /// A fresh server database with the sample incident loaded.
    pub(crate) fn server(server: Server) -> Target {
        let db = TestDb::new(server);
        let dir = Workdir::new();
        dir.run(&["load", "--database-url", db.url()])
            .expect_code(0);
        Target {
            url: db.url().to_string(),
            spec: path_str(&repo().join("dupaudit.toml")).to_string(),
            dir,
            schema: None,
            _db: vec![db],
        }
    }

    /// The sample loaded on a server, then its results table moved to a schema
    /// (MariaDB: a database) and its log to another, which the spec names; the URL's
    /// own schema keeps neither.
    fn server_in_schemas(server: Server) -> Target {
        let mut t = Target::server(server);
        let (results, log) = match server {
            Server::Postgres => {
                let (results, log) = ("Pipeline Data".to_string(), "ops".to_string());
                t.sql(&format!(
                    "CREATE SCHEMA \"{results}\"; ALTER TABLE results SET SCHEMA \"{results}\"; \
                     CREATE SCHEMA {log}; ALTER TABLE idempotency_log SET SCHEMA {log}"
                ));
                (results, log)
            }
            Server::Mysql => {
                let (a, b) = (TestDb::new(server), TestDb::new(server));
                let names = (a.name().to_string(), b.name().to_string());
                t.sql(&format!(
                    "RENAME TABLE results TO `{}`.results, idempotency_log TO `{}`.idempotency_log",
                    names.0, names.1
                ));
                t._db.extend([a, b]);
                names
            }
        };
        let sample_spec = std::fs::read_to_string(repo().join("dupaudit.toml")).unwrap();
        let spec = sample_spec
            .replace(
                "table = \"results\"\n",
                &format!("table = \"results\"\nschema = {results:?}\n"),
            )
            .replace(
                "table = \"idempotency_log\"\n",
                &format!("table = \"idempotency_log\"\nschema = {log:?}\n"),
            );
        assert_eq!(spec.matches("schema = ").count(), 2);
        let path = t.dir.path("in-schemas.toml");
        std::fs::write(&path, spec).unwrap();
        t.spec = path_str(&path).to_string();
        t.schema = Some(results);
        t
    }

    /// The sample in each of the three databases.
    fn all() -> Vec<Target> {
        vec![
            Target::sqlite(),
            Target::server(Server::Postgres),
            Target::server(Server::Mysql),
        ]
    }

    pub(crate) fn run(&self, command: &str, extra: &[&str]) -> Run {
        let mut args = vec![command, "--spec", &self.spec, "--database-url", &self.url];
        args.extend_from_slice(extra);
        self.dir.run(&args)
    }

    pub(crate) fn scan(&self) -> Findings {
        self.run(
            "scan",
            &["--format", "json", "--fail-on", "none", "--as-of", AS_OF],
        )
        .expect_code(0)
        .report()
        .findings
    }

    pub(crate) fn plan_path(&self) -> String {
        path_str(&self.dir.path("plan.json")).to_string()
    }

    /// `plan -o plan.json`, read back.
    pub(crate) fn plan(&self) -> Plan {
        let path = self.plan_path();
        self.run("plan", &["-o", &path]).expect_code(0);
        Plan::read(std::path::Path::new(&path), None).expect("the plan reads back")
    }

    pub(crate) fn apply(&self, extra: &[&str]) -> Run {
        let path = self.plan_path();
        let mut args = vec![path.as_str()];
        args.extend_from_slice(extra);
        self.run("apply", &args)
    }

    fn dialect_cast(&self, column: &str) -> String {
        let quoted = match self.url.starts_with("mysql") {
            true => format!("`{column}`"),
            false => format!("\"{column}\""),
        };
        match self.url.split(':').next() {
            Some("postgres") => format!("{quoted}::text"),
            Some("mysql") => format!("CAST({quoted} AS CHAR)"),
            _ => format!("CAST({quoted} AS TEXT)"),
        }
    }

    /// Every row of `table` (in the results table's schema), every column of the
    /// results table as text, by id.
    pub(crate) fn rows_of(&self, table: &str) -> BTreeMap<String, Vec<Option<String>>> {
        let cols: Vec<String> = COLUMNS.iter().map(|c| self.dialect_cast(c)).collect();
        let table = match (&self.schema, self.url.starts_with("mysql")) {
            (None, _) => table.to_string(),
            (Some(s), true) => format!("`{s}`.{table}"),
            (Some(s), false) => format!("\"{s}\".{table}"),
        };
        query(
            &self.url,
            &format!("SELECT {} FROM {table}", cols.join(", ")),
        )
        .into_iter()
        .map(|r| (r[0].clone().expect("ids are not NULL"), r))
        .collect()
    }

    pub(crate) fn rows(&self) -> BTreeMap<String, Vec<Option<String>>> {
        self.rows_of("results")
    }

    pub(crate) fn sql(&self, statement: &str) {
        run_sql(&self.url, statement).unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

/// The run id in `apply --format json` output.
pub(crate) fn run_id(run: &Run) -> String {
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).expect("JSON outcome");
    v["run_id"].as_str().expect("a run id").to_string()
}

pub(crate) fn removed_ids(plan: &Plan) -> BTreeSet<String> {
    plan.groups
        .iter()
        .flat_map(|g| g.remove.iter().map(|r| r.pk[0].clone()))
        .collect()
}

#[test]
fn plan_apply_again_and_restore_round_trip_in_sqlite_postgres_and_mariadb() {
    for t in Target::all() {
        round_trip(&t);
    }
}

/// The same, the results table and the log each in a schema (MariaDB: database)
/// of its own that the spec names: apply's tables are made beside the results
/// table, a dry run's temporary ones where the database keeps those.
#[test]
fn plan_apply_again_and_restore_round_trip_with_the_tables_in_other_schemas() {
    for server in [Server::Postgres, Server::Mysql] {
        let t = Target::server_in_schemas(server);
        round_trip(&t);
        let (own, log) = match server {
            Server::Postgres => ("public", "ops"),
            Server::Mysql => (t._db[0].name(), t._db[2].name()),
        };
        let results = t.schema.as_deref().unwrap();
        for (schema, expected) in [(results, 3), (own, 0), (log, 0)] {
            let count = query_i64(
                &t.url,
                &format!(
                    "SELECT count(*) FROM information_schema.tables \
                     WHERE table_schema = '{schema}' AND table_name LIKE 'dupaudit%'"
                ),
            )
            .unwrap();
            assert_eq!(
                count, expected,
                "apply's tables in schema {schema} ({server:?})"
            );
        }
    }
}

/// plan, a dry run, apply, a second apply (no-op), runs, restore (dry, then real):
/// each step's effect on the rows, checked against the sample.
fn round_trip(t: &Target) {
    {
        let original = t.scan();
        let rows = t.rows();
        assert_eq!(original.summary_of(Class::Exact).groups, 105, "{}", t.url);

        let plan = t.plan();
        assert_eq!(plan.groups.len(), 105, "{}", t.url);
        assert_eq!(plan.rows_to_remove(), 105, "{}", t.url);

        let dry = t.apply(&["--dry-run"]);
        dry.expect_code(0);
        assert!(
            dry.stdout().contains("would remove 105 rows in 105 groups"),
            "{}",
            dry.stdout()
        );
        assert_eq!(t.rows(), rows, "a dry run changes nothing ({})", t.url);

        let applied = t.apply(&["--yes", "--format", "json"]);
        applied.expect_code(0);
        let run = run_id(&applied);
        let after = t.scan();
        assert_eq!(after.summary_of(Class::Exact).groups, 0, "{}", t.url);
        assert_eq!(
            after.summary_of(Class::Conflict),
            original.summary_of(Class::Conflict)
        );
        let left = t.rows();
        let gone: BTreeSet<String> = rows
            .keys()
            .filter(|id| !left.contains_key(*id))
            .cloned()
            .collect();
        assert_eq!(gone, removed_ids(&plan), "{}", t.url);
        assert_eq!(
            t.rows_of("dupaudit_quarantine")
                .keys()
                .cloned()
                .collect::<BTreeSet<_>>(),
            gone,
            "the removed rows are in quarantine ({})",
            t.url
        );

        let again = t.apply(&["--yes"]);
        again.expect_code(0);
        assert!(
            again.stdout().contains("already applied"),
            "{}",
            again.stdout()
        );
        assert_eq!(t.scan(), after);

        let runs = t.run("runs", &[]);
        runs.expect_code(0);
        assert!(runs.stdout().contains(&run) && runs.stdout().contains("applied"));

        let dry = t.run("restore", &[&run, "--dry-run"]);
        dry.expect_code(0);
        assert!(
            dry.stdout().contains("would put 105 rows back"),
            "{}",
            dry.stdout()
        );
        t.run("restore", &[&run, "--yes"]).expect_code(0);
        assert_eq!(
            t.rows(),
            rows,
            "restore gives back every row as it was ({})",
            t.url
        );
        assert_eq!(t.scan(), original, "{}", t.url);
        assert!(t.rows_of("dupaudit_quarantine").is_empty());
        let listed = t.run("runs", &["--format", "json"]);
        assert!(
            listed.stdout().contains("\"restored\""),
            "{}",
            listed.stdout()
        );
    }
}

#[test]
fn a_table_with_generated_and_identity_columns_is_applied_and_restored_in_sqlite_postgres_and_mariadb(
) {
    for t in Target::all() {
        let generated = match t.url.split(':').next() {
            Some("postgres") => "integer GENERATED ALWAYS AS (length(payload)) STORED",
            Some("mysql") => "INT GENERATED ALWAYS AS (CHAR_LENGTH(payload)) STORED",
            // SQLite adds only virtual generated columns to a table.
            _ => "INTEGER GENERATED ALWAYS AS (length(payload)) VIRTUAL",
        };
        t.sql(&format!(
            "ALTER TABLE results ADD COLUMN payload_chars {generated}"
        ));
        if t.url.starts_with("postgres") {
            // An identity column that refuses values unless told to take them.
            t.sql("ALTER TABLE results ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY");
        }
        let chars = || -> BTreeMap<String, Option<String>> {
            let sql = format!(
                "SELECT {}, {} FROM results",
                t.dialect_cast("id"),
                t.dialect_cast("payload_chars")
            );
            query(&t.url, &sql)
                .into_iter()
                .map(|r| (r[0].clone().expect("ids are not NULL"), r[1].clone()))
                .collect()
        };
        let (rows, before) = (t.rows(), chars());
        assert!(before.values().all(Option::is_some), "{}", t.url);
        let plan = t.plan();
        let applied = t.apply(&["--yes", "--format", "json"]);
        applied.expect_code(0);
        assert_eq!(
            rows.len() - t.rows().len(),
            plan.rows_to_remove() as usize,
            "{}",
            t.url
        );
        let run = run_id(&applied);
        t.run("restore", &[&run, "--yes"]).expect_code(0);
        assert_eq!(t.rows(), rows, "every row is back ({})", t.url);
        assert_eq!(
            chars(),
            before,
            "and its generated column with it ({})",
            t.url
        );
    }
}

#[test]
fn plan_keeps_the_completed_attempts_row_and_removes_every_late_copy() {
    let t = Target::sqlite();
    let path = t.plan_path();
    let out = t.run("plan", &["-o", &path]);
    out.expect_code(0);
    let summary = out.stdout();
    assert!(
        summary.contains("105 groups, 105 rows to remove"),
        "{summary}"
    );
    assert!(summary.contains("by operation"), "{summary}");
    assert!(summary.contains("not planned") && summary.contains("conflict 8 groups"));
    assert!(summary.contains("Nothing was deleted"));
    let plan = Plan::read(std::path::Path::new(&path), None).unwrap();
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample("ground-truth.json")).unwrap())
            .unwrap();
    let late: BTreeSet<String> = truth["late_write"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect();
    let removed = removed_ids(&plan);
    for g in &plan.groups {
        assert!(
            !late.contains(&g.keeper.pk[0]),
            "keeper {:?} is a late write",
            g.keeper.pk
        );
        assert!(!g.remove.iter().any(|r| r.pk == g.keeper.pk));
    }
    let late_in_groups: Vec<&String> = late
        .iter()
        .filter(|id| plan.groups.iter().any(|g| g.keeper.pk[0] == **id) || removed.contains(*id))
        .collect();
    assert!(late_in_groups.len() >= 95, "{}", late_in_groups.len());
    assert!(late_in_groups.iter().all(|id| removed.contains(*id)));
}

#[test]
fn conflicts_are_planned_only_when_the_spec_says_how_to_resolve_them() {
    let t = Target::sqlite();
    let spec = std::fs::read_to_string(repo().join("dupaudit.toml")).unwrap()
        + "\n[cleanup]\nresolve_conflicts = [\"completed-attempt\", \"latest\"]\n";
    let spec_path = t.dir.write("resolving.toml", &spec);
    let plan_path = t.plan_path();
    let run = t.dir.run(&[
        "plan",
        "--spec",
        path_str(&spec_path),
        "--database-url",
        &t.url,
        "-o",
        &plan_path,
    ]);
    run.expect_code(0);
    let plan = Plan::read(std::path::Path::new(&plan_path), None).unwrap();
    assert_eq!(plan.summary.per_class[&Class::Conflict].groups, 8);
    t.apply(&["--yes"]).expect_code(0);
    let after = t.scan();
    assert_eq!(after.summary_of(Class::Conflict).groups, 0);
    assert_eq!(after.summary_of(Class::Exact).groups, 0);
}

#[test]
fn plans_are_scoped_by_class_key_and_window_and_conflicts_resolved_from_the_command_line() {
    let t = Target::sqlite();
    let path = t.plan_path();
    let read = || Plan::read(std::path::Path::new(&path), None).unwrap();
    let whole = t.plan();
    let exact = whole.summary.per_class[&Class::Exact].groups;
    let key = |g: &dupaudit::plan::PlanGroup| g.key.join("/");

    // Conflicts by a rule given on the command line.
    t.run(
        "plan",
        &[
            "-o",
            &path,
            "--resolve-conflicts",
            "completed-attempt,latest",
        ],
    )
    .expect_code(0);
    assert_eq!(read().summary.per_class[&Class::Conflict].groups, 8);
    t.run(
        "plan",
        &[
            "-o",
            &path,
            "--resolve-conflicts",
            "latest",
            "--classes",
            "conflict",
        ],
    )
    .expect_code(0)
    .stdout_has(&["not planned", "exact", "left out by --classes"]);
    let conflicts = read();
    assert!(conflicts.groups.iter().all(|g| g.class == Class::Conflict));
    assert_eq!(conflicts.groups.len(), 8);
    t.run("plan", &["-o", &path, "--classes", "conflict"])
        .expect_code(2)
        .stderr_has(&["--resolve-conflicts"]);
    t.run("plan", &["-o", &path, "--classes", "late-write"])
        .expect_code(2)
        .stderr_has(&["late-write", "exact and conflict"]);

    // Keys as reports print them.
    let (first, second) = (key(&whole.groups[0]), key(&whole.groups[1]));
    t.run(
        "plan",
        &["-o", &path, "--only-key", &first, "--only-key", &second],
    )
    .expect_code(0)
    .stdout_has(&["left out by --only-key"]);
    let only: BTreeSet<String> = read().groups.iter().map(key).collect();
    assert_eq!(only, BTreeSet::from([first.clone(), second.clone()]));
    t.run("plan", &["-o", &path, "--exclude-key", &first])
        .expect_code(0);
    let rest = read();
    assert_eq!(rest.groups.len() as u64, exact - 1);
    assert!(rest.groups.iter().all(|g| key(g) != first));
    assert!(rest
        .summary
        .not_planned
        .iter()
        .any(|n| n.reason == "left out by --exclude-key" && n.groups == 1));
    // A key with no duplicate group is an error, with the duplicated keys like it.
    let typo = format!("{}x", &first[..first.len() - 1]);
    t.run("plan", &["-o", &path, "--exclude-key", &typo])
        .expect_code(2)
        .stderr_has(&["--exclude-key", &typo, "duplicated keys like it", &first]);

    // A window: only the keys touched in it, and the plan says which window.
    let window = [
        "--since",
        "2026-10-14 16:00",
        "--until",
        "2026-10-14T17:00:00Z",
    ];
    let mut args = vec!["-o", path.as_str()];
    args.extend(window);
    t.run("plan", &args).expect_code(0).stdout_has(&[
        "window",
        "keys touched from 2026-10-14 16:00:00 UTC to 2026-10-14 17:00:00 UTC",
    ]);
    let windowed = read();
    assert!(!windowed.groups.is_empty() && (windowed.groups.len() as u64) < exact);
    let mut scan = vec![
        "--format",
        "json",
        "--fail-on",
        "none",
        "--classes",
        "exact",
    ];
    scan.extend(window);
    let in_window: BTreeSet<String> = t
        .run("scan", &scan)
        .expect_code(0)
        .report()
        .findings
        .findings
        .iter()
        .map(|f| f.key.as_ref().unwrap().join("/"))
        .collect();
    let planned: BTreeSet<String> = windowed.groups.iter().map(key).collect();
    assert_eq!(planned, in_window);
    // The summary plan prints, and apply shows again before it asks, says what the
    // scope left out.
    t.run("plan", &["-o", &path, "--exclude-key", &first])
        .expect_code(0)
        .stdout_has(&["not planned", "exact 1 groups: left out by --exclude-key"]);
}

#[test]
fn keep_rules_on_the_command_line_change_the_keeper() {
    let t = Target::sqlite();
    let path = t.plan_path();
    t.run("plan", &["-o", &path, "--keep", "column:id:desc"])
        .expect_code(0);
    let plan = Plan::read(std::path::Path::new(&path), None).unwrap();
    for g in &plan.groups {
        let keeper: i64 = g.keeper.pk[0].parse().unwrap();
        assert!(g
            .remove
            .iter()
            .all(|r| r.pk[0].parse::<i64>().unwrap() < keeper));
        assert_eq!(g.decided_by, "column:id:desc");
    }
    t.run("plan", &["-o", &path, "--keep", "column:nope"])
        .expect_code(3)
        .stderr_has(&["nope", "keep rule column:nope", "payload"]);
}

/// One kind of change between plan and apply, made in SQL on the planned group 0.
fn drift_case(server: Option<Server>, change: &str, reason: &str) {
    let t = match server {
        Some(s) => Target::server(s),
        None => Target::sqlite(),
    };
    let plan = t.plan();
    let g = &plan.groups[0];
    let (keeper, removed) = (&g.keeper.pk[0], &g.remove[0].pk[0]);
    let statement = change
        .replace("{keeper}", keeper)
        .replace("{removed}", removed);
    t.sql(&statement);
    let before = t.rows();

    let refused = t.apply(&["--yes"]);
    refused.expect_code(4).stderr_has(&[
        "1 planned group(s) changed",
        "group 0",
        reason,
        "nothing was changed",
    ]);
    assert_eq!(
        t.rows(),
        before,
        "a refused apply changes nothing ({statement})"
    );

    let skipped = t.apply(&["--yes", "--on-drift", "skip", "--format", "json"]);
    skipped.expect_code(0);
    let outcome: serde_json::Value = serde_json::from_str(&skipped.stdout()).unwrap();
    assert_eq!(outcome["skipped"][0]["group"], 0);
    assert_eq!(
        outcome["rows_removed"].as_u64().unwrap(),
        plan.rows_to_remove() - g.remove.len() as u64
    );
    let after = t.rows();
    for id in g.remove.iter().map(|r| &r.pk[0]).chain([keeper]) {
        assert_eq!(
            after.get(id),
            before.get(id),
            "row {id} of the skipped group is untouched"
        );
    }
}

const CHANGE_ROW: &str = "UPDATE results SET payload = '{\"changed\": true}' WHERE id = {removed}";
const DELETE_KEEPER: &str = "DELETE FROM results WHERE id = {keeper}";
const NEW_COPY: &str = "INSERT INTO results (id, operation_name, idempotency_key, attempt_id, payload, created_at) \
     SELECT 900001, operation_name, idempotency_key, attempt_id, payload, created_at FROM results WHERE id = {keeper}";

#[test]
fn drift_in_sqlite_is_refused_by_default_and_skipped_on_request() {
    drift_case(None, CHANGE_ROW, "changed");
    drift_case(None, DELETE_KEEPER, "was deleted");
    drift_case(None, NEW_COPY, "new row 900001");
}

#[test]
fn drift_in_postgres_is_refused_by_default_and_skipped_on_request() {
    drift_case(Some(Server::Postgres), CHANGE_ROW, "changed");
    drift_case(Some(Server::Postgres), DELETE_KEEPER, "was deleted");
    drift_case(Some(Server::Postgres), NEW_COPY, "new row 900001");
}

#[test]
fn drift_in_mariadb_is_refused_by_default() {
    drift_case(Some(Server::Mysql), CHANGE_ROW, "changed");
}

#[test]
fn a_hand_edited_plan_and_a_plan_from_another_database_are_refused() {
    let t = Target::sqlite();
    let plan = t.plan();
    let before = t.rows();
    let path = t.plan_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let keeper = format!("\"{}\"", plan.groups[0].keeper.pk[0]);
    let removed = format!("\"{}\"", plan.groups[0].remove[0].pk[0]);
    // Swap keeper and removed row of the first group, as a hand edit would.
    let edited = text
        .replacen(&keeper, "\"KEEPER\"", 1)
        .replacen(&removed, &keeper, 1)
        .replacen("\"KEEPER\"", &removed, 1);
    assert_ne!(edited, text);
    t.dir.write("plan.json", &edited);
    t.apply(&["--yes"])
        .expect_code(2)
        .stderr_has(&["checksum does not match"]);
    assert_eq!(t.rows(), before);

    t.dir.write("plan.json", &text);
    let other = Target::sqlite();
    let run = other
        .dir
        .run(&["apply", &path, "--yes", "--database-url", &other.url]);
    run.expect_code(2)
        .stderr_has(&["was not made on", "database", "nothing was changed"]);
    assert_eq!(other.rows(), before);

    // The same on PostgreSQL: two databases on one server.
    let (a, b) = (
        Target::server(Server::Postgres),
        Target::server(Server::Postgres),
    );
    a.plan();
    let run = b
        .dir
        .run(&["apply", &a.plan_path(), "--yes", "--database-url", &b.url]);
    run.expect_code(2)
        .stderr_has(&["was not made on", "database"]);
    assert_eq!(b.rows(), a.rows());
}

#[test]
fn a_plan_of_the_previous_format_version_is_refused_with_what_to_do() {
    let t = Target::sqlite();
    t.plan();
    let before = t.rows();
    let text = std::fs::read_to_string(t.plan_path()).unwrap();
    let previous: String = text
        .replace("\"format_version\": 4", "\"format_version\": 1")
        .lines()
        .filter(|l| !l.contains("\"fingerprint_scheme\""))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(previous, text);
    t.dir.write("plan.json", &previous);
    t.apply(&["--yes"]).expect_code(2).stderr_has(&[
        "plan format version 1 is not one this dupaudit reads (version 4)",
        "make the plan again",
    ]);
    assert_eq!(t.rows(), before);
}

#[test]
fn a_plan_whose_fingerprint_scheme_is_not_the_databases_is_refused() {
    for t in [Target::sqlite(), Target::server(Server::Postgres)] {
        let mut plan = t.plan();
        let before = t.rows();
        let ours = plan.fingerprint_scheme;
        let theirs = match ours {
            FingerprintScheme::PostgresRowSha256 => FingerprintScheme::Blake3TypedColumns,
            _ => FingerprintScheme::PostgresRowSha256,
        };
        plan.fingerprint_scheme = theirs;
        t.dir.write("plan.json", &plan.seal().to_json());
        t.apply(&["--yes"]).expect_code(2).stderr_has(&[
            format!("fingerprinted by `{theirs}`").as_str(),
            format!("computes `{ours}`").as_str(),
            "make the plan again",
        ]);
        assert_eq!(t.rows(), before, "{}", t.url);
    }
}

#[test]
fn postgres_fingerprints_agree_between_plan_and_apply_whatever_the_time_zone() {
    let t = Target::server(Server::Postgres);
    let name = t._db[0].name().to_string();
    // apply used to read rows in UTC while plan read them in the database's zone.
    t.sql(&format!(
        "ALTER DATABASE \"{name}\" SET TimeZone = 'America/New_York'"
    ));
    // A column named like the alias the fingerprint query gives the table.
    t.sql("ALTER TABLE results ADD COLUMN r text DEFAULT 'the alias' NOT NULL");
    let rows = t.rows();
    let plan = t.plan();
    assert_eq!(
        plan.fingerprint_scheme,
        FingerprintScheme::PostgresRowSha256
    );
    assert_eq!(plan.rows_to_remove(), 105);
    let run = run_id(t.apply(&["--yes", "--format", "json"]).expect_code(0));
    let left = t.rows();
    assert_eq!(left.len(), rows.len() - 105);
    t.run("restore", &[&run, "--yes"]).expect_code(0);
    assert_eq!(t.rows(), rows);
    let r = query(
        &t.url,
        "SELECT count(*)::text FROM results WHERE r = 'the alias'",
    );
    assert_eq!(r[0][0].as_deref(), Some(rows.len().to_string().as_str()));

    // One microsecond later is a changed row.
    let plan = t.plan();
    let removed = &plan.groups[0].remove[0].pk[0];
    t.sql(&format!(
        "UPDATE results SET created_at = created_at + interval '1 microsecond' WHERE id = {removed}"
    ));
    t.apply(&["--yes"]).expect_code(4).stderr_has(&[
        format!("row {removed} changed").as_str(),
        "nothing was changed",
    ]);
}

#[test]
fn apply_asks_for_yes_without_a_terminal_and_plan_refuses_files() {
    let t = Target::sqlite();
    t.plan();
    t.apply(&[])
        .expect_code(2)
        .stderr_has(&["--yes", "--dry-run"]);
    let w = Workdir::new();
    w.run(&[
        "plan",
        "--spec",
        &t.spec,
        "--results-file",
        path_str(&sample("results.csv")),
        "--log-file",
        path_str(&sample("idempotency_log.csv")),
    ])
    .expect_code(2)
    .stderr_has(&["needs a database"]);
}

#[test]
fn restore_refuses_rows_whose_primary_key_is_back_in_the_table() {
    let t = Target::sqlite();
    let plan = t.plan();
    let run = run_id(t.apply(&["--yes", "--format", "json"]).expect_code(0));
    let id = &plan.groups[0].remove[0].pk[0];
    t.sql(&format!(
        "INSERT INTO results (id, operation_name, idempotency_key, attempt_id, payload, created_at) \
         VALUES ({id}, 'op', 'k', 'a', '{{}}', '2026-10-01 00:00:00')"
    ));
    let before = t.rows();
    t.run("restore", &[&run, "--yes"])
        .expect_code(2)
        .stderr_has(&[id.as_str(), "nothing was restored"]);
    assert_eq!(t.rows(), before);
    assert_eq!(t.rows_of("dupaudit_quarantine").len(), 105);
}

/// The fault harness: a batched apply killed (SIGKILL) at seeded random moments on
/// each database leaves every row in the table or in quarantine, exactly once, and
/// a rerun finishes with the state of an uninterrupted run.
#[test]
fn a_batched_apply_killed_at_random_moments_never_loses_a_row_and_resumes() {
    for (t, trials) in [
        (Target::sqlite(), 10),
        (Target::server(Server::Postgres), 20),
        (Target::server(Server::Mysql), 10),
    ] {
        kill_trials(&t, trials);
    }
}

fn kill_trials(t: &Target, trials: u32) {
    let plan = t.plan();
    let original: BTreeSet<String> = t.rows().keys().cloned().collect();
    let planned = removed_ids(&plan);
    let binary = assert_cmd::cargo::cargo_bin("dupaudit");
    let plan_path = t.plan_path();
    let args = [
        "apply",
        plan_path.as_str(),
        "--database-url",
        &t.url,
        "--batch-size",
        "1",
        "--yes",
    ];
    // How long a whole batched apply takes here: the kills fall within it.
    let started = Instant::now();
    t.apply(&["--batch-size", "1", "--dry-run"]).expect_code(0);
    let span = started.elapsed().as_millis() as u64 + 50;

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut partial = 0;
    for trial in 0..trials {
        let mut child = std::process::Command::new(&binary)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starting apply");
        std::thread::sleep(Duration::from_millis(rng.random_range(0..span)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reaping the child");

        // The killed client's server session may still be finishing a COMMIT it
        // sent: wait until it is gone, then read both tables in one snapshot.
        let (table, quarantined) = settled_ids(t);
        assert!(
            table.is_disjoint(&quarantined),
            "{} trial {trial}: a row is both in the table and in quarantine",
            t.url
        );
        let all: BTreeSet<String> = table.union(&quarantined).cloned().collect();
        assert_eq!(all, original, "{} trial {trial}: a row is lost", t.url);
        assert!(quarantined.is_subset(&planned), "{} trial {trial}", t.url);
        if !quarantined.is_empty() && quarantined.len() < planned.len() {
            partial += 1;
        }

        // The rerun finishes the job, then the run is undone for the next trial.
        let rerun = t.apply(&["--batch-size", "1", "--yes", "--format", "json"]);
        rerun.expect_code(0);
        let table: BTreeSet<String> = t.rows().keys().cloned().collect();
        assert_eq!(
            table,
            original.difference(&planned).cloned().collect(),
            "{} trial {trial}: the rerun removes exactly the planned rows",
            t.url
        );
        let run = run_id(&rerun);
        t.run("restore", &[&run, "--yes"]).expect_code(0);
        assert_eq!(
            t.rows().keys().cloned().collect::<BTreeSet<_>>(),
            original,
            "{} trial {trial}: restore",
            t.url
        );
    }
    assert!(
        partial >= trials / 6,
        "{}: only {partial} of {trials} kills landed mid-apply",
        t.url
    );
}

/// The ids in the results table and in quarantine, read in one statement once no
/// other session is connected to the database (a SQLite file has none).
fn settled_ids(t: &Target) -> (BTreeSet<String>, BTreeSet<String>) {
    let url = t.url.as_str();
    let (others, tables, cast) = match url.split(':').next() {
        Some("postgres") => (
            Some("SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"),
            "SELECT count(*)::text FROM pg_tables WHERE tablename = 'dupaudit_quarantine'",
            "id::text",
        ),
        Some("mysql") => (
            Some("SELECT CAST(count(*) AS CHAR) FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()"),
            "SELECT CAST(count(*) AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'dupaudit_quarantine'",
            "CAST(id AS CHAR)",
        ),
        _ => (
            None,
            "SELECT CAST(count(*) AS TEXT) FROM sqlite_master WHERE name = 'dupaudit_quarantine'",
            "CAST(id AS TEXT)",
        ),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while let Some(others) = others {
        if query(url, others)[0][0].as_deref() == Some("0") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the killed apply's session never ended"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let sql = match query(url, tables)[0][0].as_deref() {
        Some("1") => format!(
            "SELECT 't', {cast} FROM results UNION ALL SELECT 'q', {cast} FROM dupaudit_quarantine"
        ),
        _ => format!("SELECT 't', {cast} FROM results"),
    };
    let (mut table, mut quarantined) = (BTreeSet::new(), BTreeSet::new());
    for row in query(url, &sql) {
        let id = row[1].clone().expect("ids are not NULL");
        match row[0].as_deref() {
            Some("t") => table.insert(id),
            _ => quarantined.insert(id),
        };
    }
    (table, quarantined)
}

#[test]
fn a_concurrent_writer_never_gets_a_changed_row_deleted() {
    let t = Target::server(Server::Postgres);
    let plan = t.plan();
    let targets: Vec<String> = removed_ids(&plan).into_iter().collect();
    let keepers: Vec<String> = plan.groups.iter().map(|g| g.keeper.pk[0].clone()).collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (url, stop) = (t.url.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut rng = rand::rngs::StdRng::seed_from_u64(11);
            let mut n = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let id = &targets[rng.random_range(0..targets.len())];
                run_sql(
                    &url,
                    &format!("UPDATE results SET payload = '{{\"writer\": {n}}}' WHERE id = {id}"),
                )
                .expect("the writer's update");
                let keeper = &keepers[rng.random_range(0..keepers.len())];
                run_sql(
                    &url,
                    &format!(
                        "INSERT INTO results (id, operation_name, idempotency_key, attempt_id, payload, created_at) \
                         SELECT {}, operation_name, idempotency_key, attempt_id, payload, created_at FROM results WHERE id = {keeper}",
                        800_000 + n
                    ),
                )
                .expect("the writer's insert");
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(Duration::from_millis(100));
    let applied = t.apply(&[
        "--yes",
        "--batch-size",
        "1",
        "--on-drift",
        "skip",
        "--format",
        "json",
    ]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.join().expect("the writer thread");
    applied.expect_code(0);
    assert!(writes > 5, "the writer made only {writes} changes");
    let outcome: serde_json::Value = serde_json::from_str(&applied.stdout()).unwrap();
    assert!(!outcome["skipped"].as_array().unwrap().is_empty());

    let quarantined = t.rows_of("dupaudit_quarantine");
    let table = t.rows();
    for (id, row) in &quarantined {
        let payload = row[4].as_deref().unwrap_or_default();
        assert!(
            !payload.contains("writer"),
            "row {id} was deleted after the writer changed it"
        );
        assert!(removed_ids(&plan).contains(id), "row {id} was not planned");
    }
    let changed = table
        .values()
        .filter(|r| r[4].as_deref().unwrap_or_default().contains("writer"))
        .count();
    assert!(changed > 0, "every changed row is still in the table");
}

/// A random results table and log: few keys, payloads that are equal by content
/// or not, attempts the log marks in any way.
#[derive(Debug, Clone)]
struct RandomTable {
    rows: Vec<(u8, u8, u8, u16)>,
    statuses: Vec<u8>,
}

fn random_table() -> impl Strategy<Value = RandomTable> {
    (
        proptest::collection::vec((0u8..2, 0u8..6, 0u8..5, 0u16..600), 2..30),
        proptest::collection::vec(0u8..4, 30),
    )
        .prop_map(|(rows, statuses)| RandomTable { rows, statuses })
}

const PAYLOADS: [&str; 5] = [
    "{\"a\": 1, \"b\": [1, 2]}",
    "{\"b\": [1, 2], \"a\": 1}",
    "{\"a\": 1, \"b\": [1, 2], \"latency_ms\": 9}",
    "{\"a\": 2}",
    "not json",
];

impl RandomTable {
    fn statements(&self, server: Option<Server>) -> Vec<String> {
        let (id, ts) = match server {
            Some(Server::Postgres) => ("bigint", "timestamptz"),
            Some(Server::Mysql) => ("BIGINT", "DATETIME(6)"),
            None => ("INTEGER", "TEXT"),
        };
        let text = match server {
            Some(Server::Mysql) => "VARCHAR(200)",
            _ => "TEXT",
        };
        let mut out = vec![
            format!(
                "CREATE TABLE results (id {id} PRIMARY KEY, operation_name {text} NOT NULL, idempotency_key {text}, attempt_id {text} NOT NULL, payload {text} NOT NULL, created_at {ts} NOT NULL)"
            ),
            format!(
                "CREATE TABLE idempotency_log (idempotency_key {text} NOT NULL, attempt_id {text} NOT NULL, operation_name {text} NOT NULL, status {text} NOT NULL, created_at {ts} NOT NULL, updated_at {ts} NOT NULL)"
            ),
        ];
        for (i, (op, key, payload, minute)) in self.rows.iter().enumerate() {
            let time = format!("2026-10-14 {:02}:{:02}:00", 10 + minute / 60, minute % 60);
            out.push(format!(
                "INSERT INTO results VALUES ({}, 'op{op}', 'k{key}', 'a{i}', '{}', '{time}')",
                i + 1,
                PAYLOADS[*payload as usize]
            ));
            let status = ["COMPLETED", "FAILED", "PROCESSING"].get(self.statuses[i] as usize);
            if let Some(status) = status {
                out.push(format!(
                    "INSERT INTO idempotency_log VALUES ('k{key}', 'a{i}', 'op{op}', '{status}', '{time}', '{time}')"
                ));
            }
        }
        out
    }
}

/// Plan, apply and restore one random table; the checks of the invariants.
fn plan_apply_restore(t: &Target, table: &RandomTable) -> Result<(), TestCaseError> {
    let before = t.rows();
    let plan = t.plan();
    t.apply(&["--yes"]).expect_code(0);
    let after = t.rows();
    let removed = removed_ids(&plan);
    for g in &plan.groups {
        let left: Vec<&String> = after
            .iter()
            .filter(|(_, r)| {
                r[1].as_deref() == Some(&g.key[0]) && r[2].as_deref() == Some(&g.key[1])
            })
            .map(|(id, _)| id)
            .collect();
        prop_assert_eq!(
            left,
            vec![&g.keeper.pk[0]],
            "group {:?} keeps exactly its keeper",
            g.key
        );
    }
    for (id, row) in &before {
        match removed.contains(id) {
            true => prop_assert!(!after.contains_key(id)),
            false => prop_assert_eq!(
                after.get(id),
                Some(row),
                "row {} outside the plan is untouched",
                id
            ),
        }
    }
    prop_assert_eq!(t.scan().summary_of(Class::Exact).groups, 0, "{:?}", table);
    let run = t.run("runs", &["--format", "json"]);
    let runs: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let id = runs
        .as_array()
        .unwrap()
        .last()
        .map(|r| r["run_id"].as_str().unwrap().to_string());
    if let Some(id) = id {
        t.run("restore", &[&id, "--yes"]).expect_code(0);
    }
    prop_assert_eq!(
        t.rows(),
        before,
        "restore gives back exactly the original rows"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn random_tables_in_sqlite_keep_their_keepers_and_restore_exactly(table in random_table()) {
        let dir = Workdir::new();
        let file = dir.path("random.sqlite");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        for s in table.statements(None) {
            run_sql(&url, &s).map_err(TestCaseError::fail)?;
        }
        let t = Target { url: format!("sqlite://{}", file.display()), spec: path_str(&repo().join("dupaudit.toml")).to_string(), dir, schema: None, _db: Vec::new() };
        plan_apply_restore(&t, &table)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn random_tables_in_postgres_keep_their_keepers_and_restore_exactly(table in random_table()) {
        let db = TestDb::new(Server::Postgres);
        for s in table.statements(Some(Server::Postgres)) {
            run_sql(db.url(), &s).map_err(TestCaseError::fail)?;
        }
        let t = Target { url: db.url().to_string(), spec: path_str(&repo().join("dupaudit.toml")).to_string(), dir: Workdir::new(), schema: None, _db: vec![db] };
        plan_apply_restore(&t, &table)?;
    }
}

#[test]
fn apply_gives_up_on_a_held_lock_after_the_lock_timeout_and_changes_nothing() {
    let t = Target::server(Server::Postgres);
    let plan = t.plan();
    let before = t.rows();
    let keeper = plan.groups[0].keeper.pk[0].clone();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let url = t.url.clone();
    // Another session holds a row lock on a planned keeper, as a busy writer would.
    let holder = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
            sqlx::raw_sql(&format!(
                "BEGIN; SELECT id FROM results WHERE id = {keeper} FOR UPDATE"
            ))
            .execute(&mut c)
            .await
            .unwrap();
            locked_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            sqlx::raw_sql("ROLLBACK").execute(&mut c).await.unwrap();
        })
    });
    locked_rx.recv().unwrap();
    let run = t.apply(&["--yes", "--lock-timeout", "1s"]);
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    run.expect_code(3).stderr_has(&["lock timeout"]);
    assert_eq!(t.rows(), before);
    // Once the lock is gone, the same plan applies.
    t.apply(&["--yes"]).expect_code(0);
}
