//! Scans limited to a time window, and incremental audits with a watermark.

use dupaudit::findings::{Class, Findings};

use crate::harness::{path_str, repo, sample, Workdir};
use crate::servers::{Server, TestDb};

fn scan_in(w: &Workdir, extra: &[&str]) -> dupaudit::report::Report {
    let spec = repo().join("dupaudit.toml");
    let mut args = vec!["--spec", path_str(&spec)];
    args.extend_from_slice(extra);
    w.scan_json(&args)
}

fn same(a: &Findings, b: &Findings, what: &str) {
    assert_eq!(a.summary, b.summary, "{what}");
    assert_eq!(a.totals, b.totals, "{what}");
    assert_eq!(a.findings, b.findings, "{what}");
}

#[test]
fn a_window_audits_every_row_of_the_keys_touched_in_it_in_every_source() {
    let w = Workdir::new();
    let window = [
        "--since",
        "2026-10-14T14:04:10Z",
        "--until",
        "2026-10-14T18:00:00Z",
    ];
    let sqlite = scan_in(&w, &window);
    assert_eq!(
        sqlite.audited_window.unwrap().since.to_rfc3339(),
        "2026-10-14T14:04:10+00:00"
    );
    let f = &sqlite.findings;
    assert!(f.summary_of(Class::Exact).groups >= 90, "{:?}", f.summary);
    assert_eq!(f.summary_of(Class::CrossKey).groups, 0);
    let since = chrono::DateTime::parse_from_rfc3339("2026-10-14T14:04:10Z").unwrap();
    assert!(
        f.of(Class::Exact)
            .any(|g| g.rows.iter().any(|r| r.written_at.unwrap() < since)),
        "a copy written before the window is compared with the late write inside it"
    );
    let (r, l) = (sample("results.csv"), sample("idempotency_log.csv"));
    let mut args = window.to_vec();
    args.extend(["--results-file", path_str(&r), "--log-file", path_str(&l)]);
    same(&scan_in(&w, &args).findings, f, "csv");
    for server in [Server::Postgres, Server::Mysql] {
        let db = TestDb::new(server);
        w.run(&["load", "--database-url", db.url()]).expect_code(0);
        let mut args = window.to_vec();
        args.extend(["--database-url", db.url()]);
        same(&scan_in(&w, &args).findings, f, &format!("{server:?}"));
    }
}

#[test]
fn incremental_audits_only_what_is_new_since_the_last_run() {
    let w = Workdir::new();
    let db = w.path("incident.sqlite");
    std::fs::copy(sample("incident.sqlite"), &db).unwrap();
    let url = format!("sqlite://{}", db.display());
    let state = w.path("audit-state.json");
    let args = [
        "--database-url",
        url.as_str(),
        "--incremental",
        path_str(&state),
    ];
    let first = scan_in(&w, &args);
    assert_eq!(
        first.audited_window, None,
        "the first run audits everything"
    );
    assert_eq!(first.findings.totals.result_rows, 5_000);
    let mark: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert!(mark["until"].is_string());

    // The pipeline writes row 2112's result a third time, now.
    let now = chrono::Utc::now()
        .format("%Y-%m-%d %H:%M:%S%.3f")
        .to_string();
    crate::servers::run_sql(
        &url,
        &format!(
            "INSERT INTO results (id, operation_name, idempotency_key, attempt_id, payload, created_at) \
             SELECT 900001, operation_name, idempotency_key, attempt_id, payload, '{now}' FROM results WHERE id = 2112"
        ),
    )
    .unwrap();
    let second = scan_in(&w, &args);
    assert!(second.audited_window.is_some());
    let f = &second.findings;
    assert_eq!(
        f.totals.result_rows, 1,
        "only the new row was written in the window"
    );
    let exact: Vec<_> = f.of(Class::Exact).collect();
    assert_eq!(exact.len(), 1);
    let mut ids: Vec<&str> = exact[0].rows.iter().map(|r| r.pk[0].as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["2112", "2114", "900001"]);

    // The state belongs to that database.
    let other = format!("sqlite://{}", sample("incident.sqlite").display());
    let spec = repo().join("dupaudit.toml");
    w.run(&[
        "scan",
        "--spec",
        path_str(&spec),
        "--database-url",
        &other,
        "--incremental",
        path_str(&state),
    ])
    .expect_code(2)
    .stderr_has(&["not of this source"]);
}

#[test]
fn a_window_needs_a_timestamp_column() {
    let w = Workdir::new();
    let text = std::fs::read_to_string(repo().join("dupaudit.toml"))
        .unwrap()
        .replace("timestamp = \"created_at\"", "timestamp = \"\"")
        .replace(
            "sqlite://sample-data/incident.sqlite",
            &format!("sqlite://{}", sample("incident.sqlite").display()),
        );
    let spec = w.write("spec.toml", &text);
    w.run(&[
        "scan",
        "--spec",
        path_str(&spec),
        "--since",
        "2026-10-14T00:00:00Z",
    ])
    .expect_code(2)
    .stderr_has(&["results.timestamp"]);
}
