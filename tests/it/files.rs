//! Scans of exported files, pushed down into polars: a generated incident gives, in
//! CSV, Parquet and NDJSON, the findings and totals it gives in SQLite, for every
//! class, for fewer classes and over a window; `explain` reads one key from files.

use dupaudit::findings::Class;

use crate::harness::{assert_same, generated, path_str, repo, scan_with_spec as scan};

#[test]
fn every_file_format_finds_what_sqlite_finds_class_by_class() {
    let w = generated();
    let url = format!("sqlite://{}", w.path("data/incident.sqlite").display());
    let all = scan(&w, &["--database-url", &url], &[]);
    // Every class but those of a log kept in Redis, and unknown-status, which a
    // spec that maps every status never finds.
    for class in Class::ALL
        .iter()
        .filter(|c| !Class::REDIS_ONLY.contains(c) && **c != Class::UnknownStatus)
    {
        assert!(
            all.summary_of(*class).groups > 0,
            "the generated incident has no {class:?}"
        );
    }
    let runs: [&[&str]; 5] = [
        &[],
        &["--classes", "exact,conflict"],
        &["--classes", "cross-key"],
        &[
            "--classes",
            "late-write,orphan-result,missing-result,multi-complete,stale-processing,null-key",
        ],
        &[
            "--since",
            "2026-10-14T14:04:10Z",
            "--until",
            "2026-10-14T18:00:00Z",
        ],
    ];
    for extra in runs {
        let sqlite = scan(&w, &["--database-url", &url], extra);
        for ext in ["csv", "parquet", "ndjson"] {
            let r = w.path(&format!("data/results.{ext}"));
            let l = w.path(&format!("data/idempotency_log.{ext}"));
            let files = scan(
                &w,
                &["--results-file", path_str(&r), "--log-file", path_str(&l)],
                extra,
            );
            assert_same(&files, &sqlite, &format!("{ext} {extra:?}"));
        }
    }
}

#[test]
fn explain_reads_one_key_from_a_parquet_export() {
    let w = generated();
    let url = format!("sqlite://{}", w.path("data/incident.sqlite").display());
    let all = scan(&w, &["--database-url", &url], &[]);
    let key = all
        .of(Class::LateWrite)
        .next()
        .and_then(|f| f.key.clone())
        .expect("the incident has late writes");
    let spec = repo().join("dupaudit.toml");
    let story = |source: &[&str]| -> String {
        let mut args = vec!["--spec", path_str(&spec), "explain"];
        args.extend(key.iter().map(String::as_str));
        args.extend_from_slice(source);
        args.extend(["--format", "json", "--as-of", "2026-10-31T00:00:00Z"]);
        w.run(&args).expect_code(0).stdout()
    };
    let (r, l) = (
        w.path("data/results.parquet"),
        w.path("data/idempotency_log.parquet"),
    );
    let files = story(&["--results-file", path_str(&r), "--log-file", path_str(&l)]);
    assert!(files.contains("FAILED"), "{files}");
    assert_eq!(files, story(&["--database-url", &url]));
}

#[test]
fn ndjson_payloads_written_as_objects_give_what_payloads_written_as_strings_give() {
    let w = generated();
    let strings = std::fs::read_to_string(w.path("data/results.ndjson")).unwrap();
    let mut objects = String::new();
    let mut nested = 0;
    for line in strings.lines() {
        let mut row: serde_json::Value = serde_json::from_str(line).unwrap();
        let parsed = row["payload"]
            .as_str()
            .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
            .filter(|p| p.is_object());
        if let Some(payload) = parsed {
            row["payload"] = payload;
            nested += 1;
        }
        objects.push_str(&row.to_string());
        objects.push('\n');
    }
    std::fs::write(w.path("data/nested.ndjson"), objects).unwrap();
    let log = w.path("data/idempotency_log.ndjson");
    let read = |results: &str| {
        let r = w.path(results);
        scan(
            &w,
            &["--results-file", path_str(&r), "--log-file", path_str(&log)],
            &[],
        )
    };
    let (as_strings, as_objects) = (read("data/results.ndjson"), read("data/nested.ndjson"));
    // Every JSON payload became an object; the others (not JSON) stayed strings.
    assert!(nested > 0 && as_strings.totals.non_json_payloads > 0);
    assert_eq!(
        nested as u64 + as_strings.totals.non_json_payloads,
        as_strings.totals.result_rows
    );
    assert_same(&as_objects, &as_strings, "payloads as objects");
}
