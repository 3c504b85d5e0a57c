//! `explain KEY`: one key's story, the same from every source.

use dupaudit::explain::Story;
use dupaudit::findings::Class;

use crate::harness::{path_str, sample, Workdir, AS_OF};
use crate::servers::{Server, TestDb};

/// A key of the incident: an exact duplicate whose second copy is a late write.
fn incident_key() -> Vec<String> {
    let report = Workdir::run_in_repo(&["scan", "--format", "json", "--as-of", AS_OF]).report();
    let group = report
        .findings
        .of(Class::Exact)
        .find(|f| f.note.contains("FAILED"))
        .expect("the sample has late-write duplicates");
    group.key.clone().unwrap()
}

fn story(key: &[String], extra: &[&str]) -> Story {
    let mut args = vec!["explain", "--format", "json", "--as-of", AS_OF];
    args.extend_from_slice(extra);
    args.extend(key.iter().map(String::as_str));
    let run = Workdir::run_in_repo(&args);
    run.expect_code(0);
    serde_json::from_str(&run.stdout()).expect("explain --format json prints a story")
}

#[test]
fn explain_tells_the_late_write_in_time_order_with_the_verdict_and_action() {
    let key = incident_key();
    let s = story(&key, &[]);
    let texts: Vec<&str> = s.events.iter().map(|e| e.text.as_str()).collect();
    assert!(texts[0].ends_with("started"), "{texts:?}");
    let failed = texts
        .iter()
        .position(|t| t.ends_with("marked FAILED"))
        .unwrap();
    let late = texts
        .iter()
        .position(|t| t.ends_with("late write"))
        .unwrap();
    assert!(
        failed < late,
        "the late write comes after the failure: {texts:?}"
    );
    assert!(
        s.events.windows(2).all(|w| w[0].at <= w[1].at),
        "events are in time order"
    );
    assert!(s.verdict.iter().any(|v| v.starts_with("exact:")));
    assert!(s.verdict.iter().any(|v| v.starts_with("late-write:")));
    assert!(
        s.action.contains("the row of the COMPLETED attempt"),
        "{}",
        s.action
    );
    let text = Workdir::run_in_repo(&["explain", &key[0], &key[1]]);
    assert!(text
        .expect_code(0)
        .stdout()
        .contains("action: a cleanup keeps row"));
}

#[test]
fn explain_gives_the_same_story_from_files_and_postgres() {
    let key = incident_key();
    let sqlite = story(&key, &[]);
    let r = sample("results.csv");
    let l = sample("idempotency_log.csv");
    let csv = story(
        &key,
        &["--results-file", path_str(&r), "--log-file", path_str(&l)],
    );
    assert_eq!(csv, sqlite);
    let db = TestDb::new(Server::Postgres);
    Workdir::new()
        .run(&["load", "--database-url", db.url()])
        .expect_code(0);
    assert_eq!(story(&key, &["--database-url", db.url()]), sqlite);
}

/// The key as reports print it is what `explain` takes; a key with no row and no
/// log entry is an error that names the keys like it, from every source.
#[test]
fn explain_of_an_unknown_key_is_an_error_naming_the_keys_like_it() {
    let key = incident_key();
    let printed = key.join("/");
    assert_eq!(story(std::slice::from_ref(&printed), &[]), story(&key, &[]));
    let typo = &printed[..printed.len() - 1];
    let r = sample("results.parquet");
    let l = sample("idempotency_log.parquet");
    let db = TestDb::new(Server::Mysql);
    Workdir::new()
        .run(&["load", "--database-url", db.url()])
        .expect_code(0);
    let sources: [&[&str]; 3] = [
        &[],
        &["--results-file", path_str(&r), "--log-file", path_str(&l)],
        &["--database-url", db.url()],
    ];
    for source in sources {
        let mut args = vec!["explain"];
        args.extend_from_slice(source);
        args.push(typo);
        Workdir::run_in_repo(&args).expect_code(2).stderr_has(&[
            &format!("no result row and no log row has the key {typo}"),
            &format!("keys like it: {printed}"),
        ]);
    }
}

#[test]
fn explain_needs_one_value_per_key_column() {
    Workdir::run_in_repo(&["explain", "req-1"])
        .expect_code(2)
        .stderr_has(&["2 column(s) (operation_name, idempotency_key)"]);
}
