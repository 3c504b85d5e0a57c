//! The sample incident: the scan finds exactly what the generator's ground truth
//! lists, class by class, row by row, from every form of the data.

use std::collections::BTreeSet;

use dupaudit::findings::{Class, Findings};
use dupaudit::generate::GroundTruth;

use crate::harness::{path_str, sample, Workdir};

fn truth() -> GroundTruth {
    let text = std::fs::read_to_string(sample("ground-truth.json"))
        .expect("sample-data/ground-truth.json");
    serde_json::from_str(&text).expect("ground truth parses")
}

fn ids(pk: &[String]) -> i64 {
    pk[0].parse().expect("sample primary keys are integers")
}

fn groups(f: &Findings, class: Class) -> Vec<Vec<i64>> {
    let mut out: Vec<Vec<i64>> = f
        .of(class)
        .map(|g| {
            let mut ids: Vec<i64> = g.rows.iter().map(|r| ids(&r.pk)).collect();
            ids.sort();
            ids
        })
        .collect();
    out.sort();
    out
}

fn rows(f: &Findings, class: Class) -> Vec<i64> {
    let mut out: Vec<i64> = f
        .of(class)
        .flat_map(|g| g.rows.iter().map(|r| ids(&r.pk)))
        .collect();
    out.sort();
    out
}

fn attempts(f: &Findings, class: Class) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = f
        .of(class)
        .flat_map(|g| {
            let key = g.key.clone().expect("log findings have a key");
            g.attempts.iter().map(move |a| {
                vec![
                    key[0].clone(),
                    key[1].clone(),
                    a.attempt.clone().unwrap_or_default(),
                ]
            })
        })
        .collect();
    out.sort();
    out
}

/// Scans one form of the sample and returns the findings, as of the truth's time.
fn scan(args: &[&str]) -> Findings {
    assert_eq!(
        truth().as_of.to_rfc3339(),
        "2026-10-31T00:00:00+00:00",
        "the truth's time is AS_OF"
    );
    Workdir::scan_json_in_repo(args).findings
}

fn files(ext: &str) -> Findings {
    let r = sample(&format!("results.{ext}"));
    let l = sample(&format!("idempotency_log.{ext}"));
    scan(&["--results-file", path_str(&r), "--log-file", path_str(&l)])
}

#[test]
fn sample_scan_matches_the_ground_truth_class_by_class() {
    let t = truth();
    let f = scan(&[]);
    assert_eq!(groups(&f, Class::Exact), t.exact, "exact groups");
    assert_eq!(groups(&f, Class::Conflict), t.conflict, "conflict groups");
    assert_eq!(groups(&f, Class::CrossKey), t.cross_key, "cross-key groups");
    assert_eq!(rows(&f, Class::LateWrite), t.late_write, "late writes");
    assert_eq!(
        rows(&f, Class::OrphanResult),
        t.orphan_result,
        "orphan results"
    );
    assert_eq!(rows(&f, Class::NullKey), t.null_key, "NULL keys");
    assert_eq!(
        attempts(&f, Class::StaleProcessing),
        t.stale_processing,
        "stale PROCESSING"
    );
    assert_eq!(
        attempts(&f, Class::MissingResult),
        t.missing_result,
        "missing results"
    );
    let mut multi: Vec<Vec<String>> = f
        .of(Class::MultiComplete)
        .map(|g| g.key.clone().unwrap())
        .collect();
    multi.sort();
    assert_eq!(multi, t.multi_complete, "multi-complete keys");
    let mut non_json: Vec<i64> = f.non_json_rows.iter().map(|pk| ids(pk)).collect();
    non_json.sort();
    assert_eq!(non_json, t.non_json, "non-JSON payloads");
    assert_eq!(f.totals.non_json_payloads, t.non_json.len() as u64);
}

#[test]
fn sample_window_is_the_three_hour_incident_attributed_to_late_writes() {
    let t = truth();
    let w = scan(&[]).window.expect("the sample has a window");
    assert_eq!((w.start, w.end), (t.window_start, t.window_end));
    assert_eq!(w.surplus_rows, t.window_surplus_rows);
    assert_eq!(
        w.late_writes, t.window_surplus_rows,
        "every duplicate in the window is a late write"
    );
    let scope = w.scope.expect("the sample key is scoped by operation");
    assert_eq!(
        (scope.column.as_str(), scope.value.as_str()),
        ("operation_name", "summarize")
    );
    assert!(w.end - w.start <= chrono::Duration::hours(3) + chrono::Duration::minutes(10));
}

#[test]
fn surplus_rows_are_counted_separately_from_groups() {
    let f = scan(&[]);
    let exact = f.summary_of(Class::Exact);
    let expected: usize = truth().exact.iter().map(|g| g.len() - 1).sum();
    assert_eq!(exact.surplus_rows, expected as u64);
    assert_eq!(exact.groups, truth().exact.len() as u64);
    assert_eq!(exact.rows, exact.groups + exact.surplus_rows);
}

#[test]
fn csv_parquet_and_ndjson_give_the_same_findings_as_sqlite() {
    let sqlite = scan(&[]);
    for ext in ["csv", "parquet", "ndjson"] {
        let other = files(ext);
        assert_eq!(other.summary, sqlite.summary, "{ext}: summary");
        assert_eq!(other.totals, sqlite.totals, "{ext}: totals");
        assert_eq!(other.window, sqlite.window, "{ext}: window");
        assert_eq!(other.findings, sqlite.findings, "{ext}: findings");
    }
}

#[test]
fn default_scan_fails_on_exact_and_conflict_findings() {
    let run = Workdir::run_in_repo(&["scan"]);
    run.expect_code(1);
    let out = run.stdout();
    assert!(
        out.contains("Window:") && out.contains("late writes"),
        "{out}"
    );
}

#[test]
fn fail_on_thresholds_grade_the_exit_code() {
    Workdir::run_in_repo(&["scan", "--format", "json", "--fail-on", "exact=100000"]).expect_code(0);
    Workdir::run_in_repo(&["scan", "--format", "json", "--fail-on", "orphan-result"])
        .expect_code(1);
    Workdir::run_in_repo(&["scan", "--fail-on", "duplicates"])
        .expect_code(2)
        .stderr_has(&["unknown class"]);
}

#[test]
fn every_class_of_design_appears_in_the_sample() {
    let f = scan(&[]);
    let present: BTreeSet<Class> = f.findings.iter().map(|g| g.class).collect();
    // unknown-status aside: the sample's spec maps every status its log holds.
    let sql_classes = Class::ALL
        .into_iter()
        .filter(|c| !Class::REDIS_ONLY.contains(c) && *c != Class::UnknownStatus);
    assert_eq!(present, sql_classes.collect());
}

#[test]
fn checking_fewer_classes_reports_exactly_those_with_the_same_findings() {
    let full = scan(&[]);
    let r = sample("results.csv");
    let l = sample("idempotency_log.csv");
    for extra in [
        vec![],
        vec!["--results-file", path_str(&r), "--log-file", path_str(&l)],
    ] {
        let mut args = vec!["--classes", "late-write,orphan-result"];
        args.extend_from_slice(&extra);
        let some = scan(&args);
        assert_eq!(some.checked, [Class::LateWrite, Class::OrphanResult]);
        assert_eq!(
            some.summary.keys().copied().collect::<Vec<_>>(),
            some.checked
        );
        let expected: Vec<_> = full
            .findings
            .iter()
            .filter(|f| matches!(f.class, Class::LateWrite | Class::OrphanResult))
            .cloned()
            .collect();
        assert_eq!(some.findings, expected);
        assert_eq!(some.window, None, "no duplicate classes, no window");
    }
}

#[test]
fn failing_on_a_class_that_is_not_checked_is_a_usage_error() {
    Workdir::run_in_repo(&["scan", "--classes", "exact", "--fail-on", "late-write"])
        .expect_code(2)
        .stderr_has(&["late-write", "not checked"]);
    // without --fail-on, the default keeps only the checked classes
    Workdir::run_in_repo(&["scan", "--classes", "orphan-result", "--format", "json"])
        .expect_code(0);
}

/// `sample-data/` is what the generator writes, byte for byte: the sample cannot
/// drift from the generator that the ground truth and the docs describe.
#[test]
fn the_sample_is_what_generate_writes() {
    let w = Workdir::new();
    w.run(&["generate", "--out", "gen", "--rows", "5000", "--seed", "42"])
        .expect_code(0);
    let written: BTreeSet<String> = std::fs::read_dir(w.path("gen"))
        .expect("generate wrote a folder")
        .map(|e| {
            e.expect("a folder entry")
                .file_name()
                .into_string()
                .unwrap()
        })
        .collect();
    let kept: BTreeSet<String> = std::fs::read_dir(sample(""))
        .expect("sample-data")
        .map(|e| {
            e.expect("a folder entry")
                .file_name()
                .into_string()
                .unwrap()
        })
        // The specs of the sample with its log in Redis are written by hand.
        .filter(|name| !name.starts_with("redis-"))
        .collect();
    assert_eq!(written, kept, "generate writes the files of sample-data");
    for name in &written {
        let made = std::fs::read(w.path(&format!("gen/{name}"))).unwrap();
        let there = std::fs::read(sample(name)).unwrap();
        assert!(
            made == there,
            "sample-data/{name} differs from what generate writes"
        );
    }
}
