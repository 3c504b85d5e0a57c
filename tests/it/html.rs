//! The HTML report: self-contained, escaped, and rendered by a real browser.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dupaudit::findings::Class;

use crate::harness::{path_str, repo, Workdir};

const AS_OF: &str = "2026-10-31T00:00:00Z";

/// Where Debian's `chromium` package puts the browser; `.ci/run` installs it.
const CHROMIUM: &str = "/usr/bin/chromium";

/// Writes the HTML report of the sample incident into `w` and returns its path.
fn sample_report(w: &Workdir) -> PathBuf {
    let out = w.path("report.html");
    let spec = repo().join("dupaudit.toml");
    w.run(&[
        "scan",
        "--spec",
        path_str(&spec),
        "--format",
        "html",
        "--as-of",
        AS_OF,
        "-o",
        path_str(&out),
    ])
    .expect_code(1);
    out
}

#[test]
fn html_report_of_the_sample_is_self_contained() {
    let w = Workdir::new();
    let html = std::fs::read_to_string(sample_report(&w)).unwrap();
    let report = Workdir::run_in_repo(&["scan", "--format", "json", "--as-of", AS_OF]).report();

    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    for outside in [
        "http://", "https://", "<script", "<link", "<img", "src=", "url(",
    ] {
        assert!(!html.contains(outside), "the report refers to `{outside}`");
    }
    for href in html.split("href=\"").skip(1) {
        assert!(href.starts_with('#'), "a link leaves the page: {href:.60}");
    }
    assert!(html.contains("<table class=\"summary\">"));
    assert_eq!(html.matches("<svg ").count(), 2, "whole period and window");
    assert!(html.contains("<rect class=\"window\""));
    assert!(
        html.contains("<title>2026-10-14 "),
        "bars carry their bucket"
    );

    // One table per checked class with findings, in the order of the summary.
    let classes: Vec<Class> = report
        .findings
        .checked
        .iter()
        .copied()
        .filter(|c| report.findings.of(*c).next().is_some())
        .collect();
    assert_eq!(
        html.matches("<table class=\"groups\">").count(),
        classes.len()
    );
    for class in classes {
        assert!(
            html.contains(&format!("<section id=\"class-{}\">", class.name())),
            "no section for {class}"
        );
    }
    assert_eq!(html.matches("<article class=\"story\">").count(), 10);
    assert!(html.contains("after that attempt was marked FAILED: late write"));
}

#[test]
fn html_report_escapes_keys_and_payloads() {
    let w = Workdir::new();
    let results = w.write(
        "results.csv",
        "id,operation_name,idempotency_key,attempt_id,payload,created_at\n\
         1,op,<script>alert(1)</script>,a1,\"{\"\"v\"\": \"\"<b>old</b>\"\"}\",2026-10-01 10:00:00\n\
         2,op,<script>alert(1)</script>,a2,\"{\"\"v\"\": \"\"<i>new</i> & more\"\"}\",2026-10-01 10:00:05\n",
    );
    let log = w.write(
        "log.csv",
        "idempotency_key,attempt_id,operation_name,status,created_at,updated_at\n\
         <script>alert(1)</script>,a1,op,COMPLETED,2026-10-01 09:59:58,2026-10-01 10:00:00\n\
         <script>alert(1)</script>,a2,op,COMPLETED,2026-10-01 10:00:01,2026-10-01 10:00:05\n",
    );
    let spec = repo().join("dupaudit.toml");
    let run = w.run(&[
        "scan",
        "--spec",
        path_str(&spec),
        "--results-file",
        path_str(&results),
        "--log-file",
        path_str(&log),
        "--format",
        "html",
    ]);
    let html = run.expect_code(1).stdout();
    assert!(!html.contains("<script"), "{html}");
    assert!(
        !html.contains("<b>old") && !html.contains("<i>new"),
        "{html}"
    );
    assert!(html.contains("op/&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;i&gt;new&lt;/i&gt; &amp; more"), "{html}");
}

#[test]
fn html_report_renders_in_chromium() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing, so the HTML report cannot be checked in a browser: \
         install it with `apt-get install -y chromium` (.ci/run does)"
    );
    let w = Workdir::new();
    let report = sample_report(&w);
    let url = format!("file://{}", path_str(&report));

    // 1. The DOM the browser built holds the summary table and the chart.
    let dom = w.path("dom.html");
    chromium(&w, &["--dump-dom", &url], Some(&dom));
    let dom = std::fs::read_to_string(&dom).unwrap();
    for part in [
        "<table class=\"summary\">",
        "<svg id=\"chart-whole\"",
        "<svg id=\"chart-window\"",
        "<rect class=\"bar",
        "<section id=\"stories\">",
    ] {
        assert!(
            dom.contains(part),
            "the rendered DOM lacks {part}:\n{dom:.2000}"
        );
    }

    // 2. A screenshot: the page paints.
    let png = w.path("report.png");
    let shot = format!("--screenshot={}", path_str(&png));
    chromium(&w, &[&shot, "--window-size=1280,2400", &url], None);
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot at {png:?}: {e}"));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        bytes.len() > 50_000,
        "the screenshot is {} bytes: a blank page?",
        bytes.len()
    );
}

/// Runs headless chromium with a profile of its own and nothing that reaches the
/// network; stdout goes to `stdout` when given. Fails after a minute.
fn chromium(w: &Workdir, args: &[&str], stdout: Option<&Path>) {
    let profile = w.path("chromium-profile");
    let mut cmd = Command::new(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", path_str(&profile)))
    .args(args)
    .stdin(Stdio::null())
    .stderr(Stdio::null());
    // A file, not a pipe: a pipe nobody reads while we wait would fill and stall it.
    cmd.stdout(match stdout {
        Some(p) => Stdio::from(std::fs::File::create(p).unwrap()),
        None => Stdio::null(),
    });
    let mut child = cmd.spawn().expect("starting chromium");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium {args:?} exited with {status}");
            return;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {args:?} did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
