//! Report formats: JSON round-trips, human formats are reviewed as snapshots.

use crate::harness::{Workdir, AS_OF};

/// The parts of a human-readable report that change from run to run.
fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            r"generated \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC",
            "generated [TIME]",
        ),
        (r"took \d+\.\d+s", "took [DURATION]"),
        (r"dupaudit \d+\.\d+\.\d+", "dupaudit [VERSION]"),
    ]
}

#[test]
fn json_report_round_trips_through_serde() {
    let run = Workdir::run_in_repo(&["scan", "--format", "json", "--as-of", AS_OF]);
    let report = run.report();
    let again: dupaudit::report::Report =
        serde_json::from_str(&serde_json::to_string(&report).unwrap()).unwrap();
    assert_eq!(again, report);
    // The findings are rendered in parallel chunks: the text is the derived JSON's,
    // whatever the chunk size, with or without the Redis section after them.
    let pretty = |r: &dupaudit::report::Report| serde_json::to_string_pretty(r).unwrap() + "\n";
    assert_eq!(run.stdout(), pretty(&report));
    let mut chunked = report.clone();
    assert!(chunked.findings.findings.len() > 3);
    chunked.findings.redis = Some(Default::default());
    for chunk in [1, 2, 1024] {
        let mut out = Vec::new();
        chunked.write_json(&mut out, chunk).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            pretty(&chunked),
            "chunk {chunk}"
        );
    }
    let mut empty = report.clone();
    empty.findings.findings.clear();
    let mut out = Vec::new();
    empty.write_json(&mut out, 2).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), pretty(&empty));
    let raw: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    for field in [
        "format_version",
        "tool_version",
        "generated_at",
        "source",
        "summary",
        "findings",
        "totals",
    ] {
        assert!(raw.get(field).is_some(), "JSON report lacks `{field}`");
    }
    // A log in SQL: the classes only a log in Redis shows are not checked.
    for class in dupaudit::findings::Class::ALL
        .into_iter()
        .filter(|c| !dupaudit::findings::Class::REDIS_ONLY.contains(c))
    {
        let entry = &raw["summary"][class.name()];
        assert!(
            entry["groups"].is_u64() && entry["surplus_rows"].is_u64(),
            "summary.{class}: {entry}"
        );
    }
}

#[test]
fn table_report_of_the_sample() {
    let run = Workdir::run_in_repo(&["scan", "--as-of", AS_OF, "--limit", "3"]);
    run.expect_code(1);
    insta::with_settings!({filters => filters()}, {
        insta::assert_snapshot!(run.stdout());
    });
}

#[test]
fn markdown_report_of_the_sample() {
    let run = Workdir::run_in_repo(&[
        "scan", "--format", "markdown", "--as-of", AS_OF, "--limit", "3",
    ]);
    run.expect_code(1);
    insta::with_settings!({filters => filters()}, {
        insta::assert_snapshot!(run.stdout());
    });
}

#[test]
fn csv_report_has_one_line_per_group_member() {
    let json = Workdir::run_in_repo(&["scan", "--format", "json", "--as-of", AS_OF]).report();
    let run = Workdir::run_in_repo(&["scan", "--format", "csv", "--as-of", AS_OF]);
    let stdout = run.stdout();
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    let lines: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let members: usize = json
        .findings
        .findings
        .iter()
        .map(|f| {
            if f.rows.is_empty() {
                f.attempts.len()
            } else {
                f.rows.len()
            }
        })
        .sum();
    assert_eq!(lines.len(), members);
    let exact_rows = lines.iter().filter(|l| &l[0] == "exact").count() as u64;
    assert_eq!(
        exact_rows,
        json.findings
            .summary_of(dupaudit::findings::Class::Exact)
            .rows
    );
}

#[test]
fn output_flag_writes_the_report_to_a_file() {
    let w = Workdir::new();
    let out = w.path("report.json");
    let spec = crate::harness::repo().join("dupaudit.toml");
    w.run(&[
        "scan",
        "--spec",
        spec.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ])
    .expect_code(1);
    let report: dupaudit::report::Report =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(
        report
            .findings
            .summary_of(dupaudit::findings::Class::Exact)
            .groups
            > 0
    );
}

#[test]
fn prometheus_metrics_are_valid_exposition_and_match_the_json() {
    let w = Workdir::new();
    let out = w.path("dupaudit.prom");
    let spec = crate::harness::repo().join("dupaudit.toml");
    w.run(&[
        "scan",
        "--spec",
        spec.to_str().unwrap(),
        "--format",
        "prometheus",
        "--fail-on",
        "none",
        "-o",
        out.to_str().unwrap(),
    ])
    .expect_code(0);
    assert!(!w.path("dupaudit.prom.tmp").exists(), "written atomically");
    let text = std::fs::read_to_string(&out).unwrap();
    let sample = regex_lite_sample(&text);
    let json = Workdir::run_in_repo(&["scan", "--format", "json"]).report();
    // A log in SQL: the classes only a log in Redis shows are not checked.
    for class in dupaudit::findings::Class::ALL
        .into_iter()
        .filter(|c| !dupaudit::findings::Class::REDIS_ONLY.contains(c))
    {
        let s = json.findings.summary_of(class);
        assert_eq!(
            sample("dupaudit_groups", class.name()),
            s.groups as f64,
            "{class}"
        );
        assert_eq!(
            sample("dupaudit_surplus_rows", class.name()),
            s.surplus_rows as f64,
            "{class}"
        );
    }
}

/// Checks every line of an exposition and returns a lookup of `name{..class=".."}`.
fn regex_lite_sample(text: &str) -> impl Fn(&str, &str) -> f64 + '_ {
    for line in text.lines() {
        if line.starts_with("# HELP dupaudit_") || line.starts_with("# TYPE dupaudit_") {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        assert!(value.parse::<f64>().is_ok(), "not a number: {line}");
        let (name, labels) = series
            .split_once('{')
            .unwrap_or_else(|| panic!("no labels: {line}"));
        assert!(
            name.starts_with("dupaudit_")
                && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{line}"
        );
        assert!(labels.ends_with('}'), "{line}");
    }
    move |name: &str, class: &str| {
        let needle = format!("class=\"{class}\"}}");
        text.lines()
            .find(|l| l.starts_with(&format!("{name}{{")) && l.contains(&needle))
            .and_then(|l| l.rsplit_once(' '))
            .map(|(_, v)| v.parse().unwrap())
            .unwrap_or_else(|| panic!("no {name} for {class}"))
    }
}

#[test]
fn verbose_logs_the_phases_on_stderr_and_quiet_silences_them() {
    let run = Workdir::run_in_repo(&["-v", "scan", "--format", "json", "--fail-on", "none"]);
    run.expect_code(0).stderr_has(&[
        "counting rows and keys",
        "reading the keys that can carry a finding",
    ]);
    let quiet = Workdir::run_in_repo(&["--quiet", "scan", "--format", "json", "--fail-on", "none"]);
    assert_eq!(quiet.expect_code(0).stderr(), "");
    // not a terminal: no progress display either
    let plain = Workdir::run_in_repo(&["scan", "--format", "json", "--fail-on", "none"]);
    assert_eq!(plain.stderr(), "");
}

#[test]
fn a_report_to_a_named_pipe_goes_through_the_pipe() {
    use std::os::unix::fs::FileTypeExt;
    let dir = Workdir::new();
    let fifo = dir.path("report.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("running mkfifo");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("reading the pipe"))
    };
    let fifo_arg = fifo.to_str().unwrap();
    Workdir::run_in_repo(&[
        "scan",
        "--format",
        "json",
        "--as-of",
        AS_OF,
        "--fail-on",
        "none",
        "-o",
        fifo_arg,
    ])
    .expect_code(0);
    // Written in place: a file renamed over the pipe would have replaced it (and the
    // reader would wait forever).
    let kind = std::fs::metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the named pipe is still a named pipe");
    let text = reader.join().unwrap();
    let report: dupaudit::report::Report = serde_json::from_str(&text).unwrap();
    assert!(!report.findings.findings.is_empty());
    assert!(!dir.path("report.fifo.tmp").exists());
}

/// The JSON and CSV reports of a source other than a Redis log are scanned in parts
/// of a few thousand keys, their findings rendered class by class into temporary
/// files: in parts of any size, that gives the whole scan's findings and the same
/// text.
#[test]
fn a_scan_in_parts_finds_and_writes_what_the_whole_scan_does() {
    use dupaudit::findings::Class;
    use dupaudit::report::{CsvSpool, Format, JsonSpool, RenderOptions, Report, FORMAT_VERSION};

    let as_of: chrono::DateTime<chrono::Utc> = AS_OF.parse().unwrap();
    let base =
        dupaudit::spec::AuditSpec::load(&crate::harness::repo().join("dupaudit.toml")).unwrap();
    let files = dupaudit::source::FileSource::new(
        crate::harness::sample("results.csv"),
        crate::harness::sample("idempotency_log.csv"),
    )
    .unwrap();
    let without_cross_key: Vec<Class> = Class::ALL
        .into_iter()
        .filter(|c| *c != Class::CrossKey && !Class::REDIS_ONLY.contains(c))
        .collect();
    for classes in [
        Vec::new(),
        without_cross_key,
        vec![Class::Exact, Class::Conflict],
    ] {
        let mut spec = base.clone();
        if !classes.is_empty() {
            spec.scan.cross_key = false;
            spec.scan.classes = classes.clone();
        }
        let data = files
            .load(&spec, &dupaudit::progress::Progress::hidden())
            .unwrap();
        let whole = dupaudit::scan::scan(&data, &spec, as_of);
        assert!(whole.findings.len() > 10, "{classes:?}");
        let report = |findings| Report {
            format_version: FORMAT_VERSION,
            tool_version: "test".into(),
            generated_at: as_of,
            source: files.info(),
            spec: "dupaudit.toml".into(),
            scan_seconds: 0.0,
            audited_window: None,
            outstanding: None,
            findings,
        };
        let expected = serde_json::to_string_pretty(&report(whole.clone())).unwrap() + "\n";
        let expected_csv = report(whole.clone()).render(
            Format::Csv,
            RenderOptions {
                limit: 0,
                ..Default::default()
            },
        );
        for keys_per_part in [1, 2, 7, 1_000_000] {
            let mut spool = JsonSpool::new(3);
            let mut csv = CsvSpool::default();
            let (parts, found) = crate::harness::scan_in_parts(
                |each| dupaudit::scan::scan_parts(data.clone(), &spec, as_of, keys_per_part, each),
                |part| {
                    spool.add(part)?;
                    csv.add(part)
                },
            )
            .unwrap();
            let what = format!("classes {classes:?}, {keys_per_part} keys a part");
            if keys_per_part == 1 && classes.is_empty() {
                assert_eq!(parts, 1, "cross-key is checked: one part; {what}");
            } else if keys_per_part == 1 {
                assert!(parts > 100, "{parts} parts; {what}");
            }
            let mut listless = found.clone();
            listless.findings.clear();
            let mut out = Vec::new();
            spool.write(&report(listless.clone()), &mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{what}");
            let mut out = Vec::new();
            csv.write(&report(listless), &mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), expected_csv, "CSV, {what}");
            assert_eq!(found, whole, "{what}");
        }
    }
}

#[test]
fn a_scan_of_the_duplicate_classes_alone_leaves_the_log_uncounted_in_every_format() {
    let full = Workdir::run_in_repo(&["scan", "--format", "json", "--as-of", AS_OF]).report();
    let log_rows = full
        .findings
        .totals
        .log_rows
        .expect("a full scan counts the log");
    assert!(log_rows > 0);
    assert_eq!(full.findings.totals.unknown_statuses, Some(0));
    let narrow = ["scan", "--classes", "exact,conflict", "--as-of", AS_OF];
    let dups = Workdir::run_in_repo(&[&narrow[..], &["--format", "json"]].concat());
    let raw: serde_json::Value = serde_json::from_str(&dups.stdout()).unwrap();
    assert!(raw["totals"]["log_rows"].is_null(), "{}", raw["totals"]);
    assert!(
        raw["totals"]["unknown_statuses"].is_null(),
        "{}",
        raw["totals"]
    );
    // The rest is what the full scan found.
    let dups = dups.report();
    assert_eq!(
        dups.findings.totals.result_rows,
        full.findings.totals.result_rows
    );
    assert_eq!(dups.findings.totals.keys, full.findings.totals.keys);
    assert_eq!(
        dups.findings.summary_of(dupaudit::findings::Class::Exact),
        full.findings.summary_of(dupaudit::findings::Class::Exact)
    );
    let table = Workdir::run_in_repo(&[&narrow[..], &["--fail-on", "none"]].concat()).stdout();
    assert!(table.contains(" · log not counted "), "{table}");
    assert!(!table.contains("unknown statuses"), "{table}");
    let prom = |args: &[&str]| {
        Workdir::run_in_repo(&[args, &["--format", "prometheus", "--fail-on", "none"]].concat())
            .stdout()
    };
    let counted = prom(&["scan"]);
    assert!(
        counted
            .lines()
            .any(|l| l.starts_with("dupaudit_log_rows{") && l.ends_with(&format!(" {log_rows}"))),
        "{counted}"
    );
    assert!(!prom(&narrow).contains("dupaudit_log_rows"));
}
