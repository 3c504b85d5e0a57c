//! What `apply` holds whatever the plan file says and whatever else runs: forged
//! plans, applies at the same time, input that is not what it claims, primary keys
//! that differ by case, recreated tables, rows changed to another storage class,
//! signed plans.

use std::collections::BTreeSet;

use dupaudit::plan::Plan;
use proptest::prelude::*;

use crate::cleanup::{removed_ids, Target};
use crate::harness::{path_str, Workdir};
use crate::servers::{query, Server};

/// The ways a plan is forged, each with its checksum computed again.
#[derive(Debug, Clone, Copy)]
enum Forgery {
    /// A removed row's primary key pointed at a row of no group.
    PkAtALoneRow,
    /// A removed row's primary key pointed at another group's keeper.
    PkAtAnotherKeeper,
    /// A group's keeper listed for removal too.
    KeeperRemoved,
    /// A group planned again with its keeper and a removed row swapped.
    KeyTwiceSwapped,
    /// The keys of two groups swapped.
    KeysSwapped,
    /// A removed row given its keeper's fingerprint and primary key.
    RemovedIsKeeper,
    /// A group's keeper and a removed row given each other's fingerprint, their
    /// primary keys left as they were: the rows the plan names are the live rows,
    /// but each row's content is another's.
    FingerprintsSwapped,
}

const FORGERIES: [Forgery; 7] = [
    Forgery::PkAtALoneRow,
    Forgery::PkAtAnotherKeeper,
    Forgery::KeeperRemoved,
    Forgery::KeyTwiceSwapped,
    Forgery::KeysSwapped,
    Forgery::RemovedIsKeeper,
    Forgery::FingerprintsSwapped,
];

/// `plan` forged as `how` on groups `a` and `b` (`lone`: the primary key of a row
/// no group names).
fn forge(mut plan: Plan, how: Forgery, a: usize, b: usize, lone: &str) -> Plan {
    let n = plan.groups.len();
    let (a, b) = (a % n, (a + 1 + b % (n - 1)) % n);
    match how {
        Forgery::PkAtALoneRow => plan.groups[a].remove[0].pk = vec![lone.to_string()],
        Forgery::PkAtAnotherKeeper => {
            plan.groups[a].remove[0].pk = plan.groups[b].keeper.pk.clone()
        }
        Forgery::KeeperRemoved => {
            let keeper = plan.groups[a].keeper.clone();
            plan.groups[a].remove.push(keeper);
        }
        Forgery::KeyTwiceSwapped => {
            let mut twin = plan.groups[a].clone();
            std::mem::swap(&mut twin.keeper, &mut twin.remove[0]);
            plan.groups.push(twin);
        }
        Forgery::KeysSwapped => {
            let key = plan.groups[a].key.clone();
            plan.groups[a].key = plan.groups[b].key.clone();
            plan.groups[b].key = key;
        }
        Forgery::RemovedIsKeeper => {
            let keeper = plan.groups[a].keeper.clone();
            plan.groups[a].remove[0].pk = keeper.pk;
            plan.groups[a].remove[0].fingerprint = keeper.fingerprint;
        }
        Forgery::FingerprintsSwapped => {
            let group = &mut plan.groups[a];
            std::mem::swap(
                &mut group.keeper.fingerprint,
                &mut group.remove[0].fingerprint,
            );
        }
    }
    plan.checksum = String::new();
    plan.seal()
}

/// Applies a forged plan and checks that no row an honest plan keeps is gone and
/// that every key keeps a row.
fn forged_apply(
    t: &Target,
    how: Forgery,
    a: usize,
    b: usize,
    batch: &str,
) -> Result<(), TestCaseError> {
    let honest = t.plan();
    let keeps: BTreeSet<String> = t
        .rows()
        .keys()
        .filter(|id| !removed_ids(&honest).contains(*id))
        .cloned()
        .collect();
    let named: BTreeSet<&String> = honest
        .groups
        .iter()
        .flat_map(|g| std::iter::once(&g.keeper).chain(&g.remove))
        .map(|r| &r.pk[0])
        .collect();
    let rows = t.rows();
    let lone = rows
        .keys()
        .find(|id| !named.contains(id))
        .expect("a row of no group");
    let forged = forge(honest.clone(), how, a, b, lone);
    t.dir.write("plan.json", &forged.to_json());
    let run = t.apply(&["--yes", "--batch-size", batch]);
    prop_assert!(
        [0, 4].contains(&run.code()),
        "{how:?}: exit {}: {}",
        run.code(),
        run.stderr()
    );
    let left: BTreeSet<String> = t.rows().keys().cloned().collect();
    let lost: Vec<&String> = keeps.difference(&left).collect();
    prop_assert!(
        lost.is_empty(),
        "{how:?} on {}: rows {lost:?} an honest plan keeps are gone",
        t.url
    );
    for g in &honest.groups {
        prop_assert!(
            left.contains(&g.keeper.pk[0]),
            "{how:?} on {}: the keeper of {:?} is gone",
            t.url,
            g.key
        );
    }
    // A plan that breaks an invariant is refused before anything is touched.
    if matches!(
        how,
        Forgery::PkAtAnotherKeeper | Forgery::KeeperRemoved | Forgery::KeyTwiceSwapped
    ) {
        prop_assert_eq!(run.code(), 4, "{:?}", how);
        prop_assert!(
            run.stderr().contains("breaks what apply holds"),
            "{}",
            run.stderr()
        );
        prop_assert_eq!(&left, &rows.keys().cloned().collect::<BTreeSet<_>>());
    }
    // Rows whose content is not the plan's are drift: the apply is refused and, in
    // one transaction, changes nothing.
    if matches!(how, Forgery::FingerprintsSwapped) {
        prop_assert_eq!(run.code(), 4, "{:?}: {}", how, run.stderr());
        if batch == "0" {
            prop_assert_eq!(&left, &rows.keys().cloned().collect::<BTreeSet<_>>());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn forged_plans_never_remove_a_row_an_honest_plan_keeps_in_sqlite(
        how in prop::sample::select(FORGERIES.to_vec()),
        a in 0usize..1000,
        b in 0usize..1000,
        batch in prop::sample::select(vec!["0", "1", "7"]),
    ) {
        forged_apply(&Target::sqlite(), how, a, b, batch)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn forged_plans_never_remove_a_row_an_honest_plan_keeps_in_postgres(
        how in prop::sample::select(FORGERIES.to_vec()),
        a in 0usize..1000,
        b in 0usize..1000,
        batch in prop::sample::select(vec!["0", "7"]),
    ) {
        forged_apply(&Target::server(Server::Postgres), how, a, b, batch)?;
    }

    #[test]
    fn forged_plans_never_remove_a_row_an_honest_plan_keeps_in_mariadb(
        how in prop::sample::select(FORGERIES.to_vec()),
        a in 0usize..1000,
        b in 0usize..1000,
        batch in prop::sample::select(vec!["0", "7"]),
    ) {
        forged_apply(&Target::server(Server::Mysql), how, a, b, batch)?;
    }
}

/// Every forgery, once, on every database: the ones the proptests may not draw.
#[test]
fn every_forgery_is_harmless_on_every_database() {
    for (i, how) in FORGERIES.into_iter().enumerate() {
        for t in [
            Target::sqlite(),
            Target::server(Server::Postgres),
            Target::server(Server::Mysql),
        ] {
            forged_apply(&t, how, 3 * i + 1, 5 * i + 2, "0").unwrap();
        }
    }
}

/// Two applies of one plan started together, in batches: one waits for the other
/// and then finds the plan applied; the runs table records one run, applied, with
/// every planned row; a third apply says the plan was applied.
#[test]
fn two_applies_of_one_plan_at_once_run_one_after_the_other() {
    let binary = assert_cmd::cargo::cargo_bin("dupaudit");
    for t in [
        Target::sqlite(),
        Target::server(Server::Postgres),
        Target::server(Server::Mysql),
    ] {
        let plan = t.plan();
        let path = t.plan_path();
        let start = || {
            std::process::Command::new(&binary)
                .args([
                    "apply",
                    &path,
                    "--database-url",
                    &t.url,
                    "--yes",
                    "--batch-size",
                    "10",
                    "--lock-timeout",
                    "60s",
                    "--format",
                    "json",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("starting apply")
        };
        let (first, second) = (start(), start());
        let outcomes: Vec<serde_json::Value> = [first, second]
            .into_iter()
            .map(|child| {
                let out = child.wait_with_output().expect("apply ends");
                assert!(
                    out.status.success(),
                    "{}: {}",
                    t.url,
                    String::from_utf8_lossy(&out.stderr)
                );
                serde_json::from_slice(&out.stdout).expect("a JSON outcome")
            })
            .collect();
        let already: Vec<bool> = outcomes
            .iter()
            .map(|o| o["already_applied"].as_bool().unwrap())
            .collect();
        assert_eq!(
            already.iter().filter(|a| **a).count(),
            1,
            "{}: exactly one of the two found the plan applied: {outcomes:?}",
            t.url
        );
        let runs = t.run("runs", &["--format", "json"]);
        let runs: serde_json::Value = serde_json::from_str(&runs.stdout()).unwrap();
        let runs = runs.as_array().unwrap();
        assert_eq!(runs.len(), 1, "{}: {runs:?}", t.url);
        assert_eq!(runs[0]["status"], "applied", "{}", t.url);
        assert_eq!(
            runs[0]["rows_removed"].as_i64(),
            Some(plan.rows_to_remove() as i64),
            "{}",
            t.url
        );
        let quarantined: BTreeSet<String> = t.rows_of("dupaudit_quarantine").into_keys().collect();
        assert_eq!(quarantined, removed_ids(&plan), "{}", t.url);
        let third = t.apply(&["--yes"]);
        third.expect_code(0);
        assert!(
            third.stdout().contains("already applied"),
            "{}",
            third.stdout()
        );
    }
}

/// An apply that cannot get the table's lock in time is refused, naming who holds
/// it, and changes nothing.
#[test]
fn an_apply_that_cannot_get_the_tables_lock_names_who_holds_it() {
    for server in [Server::Postgres, Server::Mysql] {
        let t = Target::server(server);
        t.plan();
        let before = t.rows();
        let url = t.url.clone();
        let statement = match server {
            Server::Postgres => "SELECT pg_advisory_lock(1684370787 * 4294967296 + CAST(CAST(to_regclass('results') AS oid) AS bigint)), pg_sleep(6)".to_string(),
            Server::Mysql => {
                let name = format!(
                    "dupaudit {}",
                    &blake3::hash("`results`".as_bytes()).to_hex()[..32]
                );
                format!("SELECT GET_LOCK('{name}', 5), SLEEP(6)")
            }
        };
        let holder = std::thread::spawn(move || {
            let _ = crate::servers::run_sql(&url, &statement);
        });
        std::thread::sleep(std::time::Duration::from_millis(1500));
        t.apply(&["--yes", "--lock-timeout", "1s"])
            .expect_code(4)
            .stderr_has(&["another apply or restore is working on results", "held by"]);
        assert_eq!(t.rows(), before);
        holder.join().unwrap();
    }
}

/// A plan, a spec or a state file must be a regular file of bounded size: a device,
/// a directory or a file too large is refused before it is read.
#[test]
fn files_that_are_not_regular_or_too_large_are_refused_before_they_are_read() {
    let w = Workdir::new();
    let sparse = w.path("huge.json");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(dupaudit::plan::MAX_PLAN_BYTES + 1)
        .unwrap();
    let dir = path_str(&w.path("")).to_string();
    for (plan, why) in [
        ("/dev/zero", "not a regular file"),
        (dir.as_str(), "not a regular file"),
        (path_str(&sparse), "more than the"),
    ] {
        w.run(&["apply", plan, "--yes", "--database-url", "sqlite://x.db"])
            .expect_code(2)
            .stderr_has(&[why]);
    }
    w.run(&["--spec", "/dev/zero", "scan"])
        .expect_code(2)
        .stderr_has(&["/dev/zero", "not a regular file"]);
    let sqlite = format!(
        "sqlite://{}",
        crate::harness::sample("incident.sqlite").display()
    );
    w.run(&[
        "--spec",
        path_str(&crate::harness::repo().join("dupaudit.toml")),
        "scan",
        "--database-url",
        &sqlite,
        "--incremental",
        "/dev/zero",
    ])
    .expect_code(3)
    .stderr_has(&["/dev/zero", "not a regular file"]);
}

/// A MariaDB primary key compared byte for byte (`utf8mb4_bin`): rows `a` and `A`
/// are two rows, and a plan removing one removes exactly that one.
#[test]
fn a_case_sensitive_primary_key_in_mariadb_is_cleaned_row_by_row() {
    let t = Target::server(Server::Mysql);
    t.sql(
        "CREATE TABLE cs (id VARCHAR(8) COLLATE utf8mb4_bin PRIMARY KEY, \
             idempotency_key VARCHAR(16), attempt_id VARCHAR(16), payload TEXT, created_at DATETIME(3));
         INSERT INTO cs VALUES ('a', 'k1', 'a1', '{\"v\":1}', '2026-10-14 14:00:00'),
             ('A', 'k1', 'a1', '{\"v\":1}', '2026-10-14 14:00:01'),
             ('b', 'k2', 'a2', '{\"v\":2}', '2026-10-14 14:00:02'),
             ('B', 'k2', 'a2', '{\"v\":2}', '2026-10-14 14:00:03')",
    );
    let spec = t.dir.write(
        "cs.toml",
        "[results]\ntable = \"cs\"\n[log]\nattempt = \"attempt_id\"\n",
    );
    let spec = path_str(&spec);
    let plan = path_str(&t.dir.path("cs-plan.json")).to_string();
    t.dir
        .run(&[
            "--spec",
            spec,
            "plan",
            "--database-url",
            &t.url,
            "-o",
            &plan,
        ])
        .expect_code(0);
    t.dir
        .run(&[
            "--spec",
            spec,
            "apply",
            &plan,
            "--database-url",
            &t.url,
            "--yes",
        ])
        .expect_code(0);
    let left: BTreeSet<String> = query(&t.url, "SELECT id FROM cs")
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    assert_eq!(left, ["a", "b"].map(String::from).into());
}

/// A results table dropped and created again under its name is not the plan's,
/// even with the same rows: apply refuses it.
#[test]
fn a_recreated_table_is_refused() {
    for t in [Target::sqlite(), Target::server(Server::Mysql)] {
        t.plan();
        let before = t.rows();
        t.sql(
            "CREATE TABLE results_copy AS SELECT * FROM results; DROP TABLE results; \
             ALTER TABLE results_copy RENAME TO results",
        );
        t.apply(&["--yes"])
            .expect_code(2)
            .stderr_has(&["table identity (recreated?)", "nothing was changed"]);
        assert_eq!(t.rows(), before, "{}", t.url);
    }
}

/// SQLite: a keeper whose text became a BLOB of the same bytes changed, and the
/// apply is refused.
#[test]
fn a_sqlite_keeper_turned_from_text_into_a_blob_of_the_same_bytes_is_drift() {
    let t = Target::sqlite();
    let plan = t.plan();
    let keeper = &plan.groups[0].keeper.pk[0];
    t.sql(&format!(
        "UPDATE results SET payload = CAST(payload AS BLOB) WHERE id = {keeper}"
    ));
    let before = t.rows();
    t.apply(&["--yes"])
        .expect_code(4)
        .stderr_has(&[&format!("keeper {keeper} changed")]);
    assert_eq!(t.rows(), before);
}

/// A URL option the driver would ignore is refused, with the ones it reads.
#[test]
fn a_url_option_the_driver_ignores_is_refused() {
    let w = Workdir::new();
    w.run(&[
        "scan",
        "--database-url",
        "postgres://postgres@127.0.0.1:5432/postgres?bogus_option=1",
    ])
    .expect_code(2)
    .stderr_has(&["`bogus_option`", "sslmode"]);
}

/// A plan signed with a key: apply with the key takes it, and refuses it once it
/// was edited (checksum computed again) or when it is not signed.
#[test]
fn a_signed_plan_is_applied_only_as_its_key_signed_it() {
    let t = Target::sqlite();
    let key = t
        .dir
        .write("plan.key", "0123456789abcdef0123456789abcdef-secret\n");
    let key = path_str(&key).to_string();
    let path = t.plan_path();
    t.run("plan", &["-o", &path, "--plan-key", &key])
        .expect_code(0);
    let signed = Plan::read(std::path::Path::new(&path), None).unwrap();
    assert!(signed.signature.is_some());
    // Edited, its checksum computed again: the signature no longer holds.
    let mut edited = signed.clone();
    edited.groups.pop();
    edited.checksum = String::new();
    let edited = edited.seal();
    assert_eq!(edited.signature, signed.signature);
    t.dir.write("plan.json", &edited.to_json());
    let before = t.rows();
    t.apply(&["--yes", "--plan-key", &key])
        .expect_code(2)
        .stderr_has(&["signature is not the plan key's"]);
    assert_eq!(t.rows(), before);
    // Not signed at all.
    t.run("plan", &["-o", &path]).expect_code(0);
    t.apply(&["--yes", "--plan-key", &key])
        .expect_code(2)
        .stderr_has(&["not signed"]);
    // Signed and unchanged.
    t.run("plan", &["-o", &path, "--plan-key", &key])
        .expect_code(0);
    t.apply(&["--yes", "--plan-key", &key]).expect_code(0);
}

/// Columns of types polars reads only with care: a 128-bit decimal payload is read
/// as its text and compared; a 256-bit one is refused naming the column; an NDJSON
/// payload object holding an integer wider than 64 bits is read as its JSON. No
/// panic reaches the user.
#[test]
fn wide_numbers_in_files_are_read_as_text_or_refused_by_column() {
    let w = Workdir::new();
    let spec = w.write("spec.toml", "");
    let spec = path_str(&spec);
    let fixture = |name: &str| {
        path_str(
            &crate::harness::repo()
                .join("tests/fixtures/types")
                .join(name),
        )
        .to_string()
    };
    let log = fixture("idempotency_log.parquet");
    let f = w
        .scan_json(&[
            "--spec",
            spec,
            "--results-file",
            &fixture("results-decimal128.parquet"),
            "--log-file",
            &log,
        ])
        .findings;
    assert_eq!(f.summary_of(dupaudit::findings::Class::Exact).groups, 1);
    let run = w.run(&[
        "--spec",
        spec,
        "scan",
        "--results-file",
        &fixture("results-decimal256.parquet"),
        "--log-file",
        &log,
    ]);
    run.expect_code(3).stderr_has(&[
        "results-decimal256.parquet",
        "column `payload` (a decimal of 60 digits",
        "export it as text",
    ]);
    assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
    let wide = "123456789012345678901234567890";
    let results = w.write(
        "results.ndjson",
        &format!(
            "{{\"id\":1,\"idempotency_key\":\"k\",\"attempt_id\":\"a\",\"payload\":{{\"n\":{wide}}},\"created_at\":\"2026-10-14 14:00:00\"}}\n\
             {{\"id\":2,\"idempotency_key\":\"k\",\"attempt_id\":\"a\",\"payload\":{{\"n\":{wide}}},\"created_at\":\"2026-10-14 14:00:01\"}}\n"
        ),
    );
    let log = w.write(
        "log.ndjson",
        "{\"idempotency_key\":\"k\",\"attempt_id\":\"a\",\"status\":\"COMPLETED\",\"created_at\":\"2026-10-14 14:00:00\",\"updated_at\":\"2026-10-14 14:00:00\"}\n",
    );
    let f = w
        .scan_json(&[
            "--spec",
            spec,
            "--results-file",
            path_str(&results),
            "--log-file",
            path_str(&log),
        ])
        .findings;
    assert_eq!(f.summary_of(dupaudit::findings::Class::Exact).groups, 1);
    assert_eq!(f.totals.non_json_payloads, 0);
}
