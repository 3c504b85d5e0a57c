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
    chromium_is_installed();
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

/// The widths the report is laid out at: a laptop and a phone.
const WIDTHS: [u32; 2] = [1280, 390];

/// Smallest chart text, in rendered pixels, that stays legible.
const LEGIBLE_PX: f64 = 11.0;

#[test]
fn html_report_reads_on_a_laptop_and_on_a_phone() {
    chromium_is_installed();
    let w = Workdir::new();
    let report = std::fs::read_to_string(sample_report(&w)).unwrap();
    for page in layout(&w, &report) {
        let at = format!("at {} px", page.width);
        assert_eq!(
            page.viewport, page.width,
            "the frame {at} has another width"
        );

        // 1. Wide tables scroll in their own box; the page itself does not.
        assert!(
            page.scroll_width <= page.viewport,
            "the page is {} px wide {at}: something overflows it",
            page.scroll_width
        );

        // 2. Chart text keeps its size, stays on the page and does not collide.
        assert!(
            page.labels.len() >= 10,
            "few chart labels {at}: {:?}",
            page.labels
        );
        for l in &page.labels {
            assert!(
                l.px >= LEGIBLE_PX,
                "chart label {:?} is {:.1} px {at}",
                l.text,
                l.px
            );
            assert!(
                l.left >= 0.0 && l.right <= page.viewport as f64,
                "chart label {:?} leaves the page {at}: {l:?}",
                l.text
            );
        }
        for pair in page.labels.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let axis = |l: &Label| l.class.split(' ').next() == Some("x");
            if a.chart == b.chart && axis(a) && axis(b) {
                assert!(a.right < b.left, "axis labels collide {at}: {a:?} {b:?}");
            }
        }

        // 3. Each table of groups starts with key, surplus and verdict, all on screen.
        assert!(!page.groups.is_empty());
        for head in &page.groups {
            let names: Vec<&str> = head.iter().map(|h| h.text.as_str()).collect();
            assert_eq!(names, ["key", "surplus", "what happened", "rows"]);
            assert!(
                head[2].right <= page.viewport as f64,
                "the verdict column ends at {} px {at}",
                head[2].right
            );
        }
        eprintln!(
            "{at}: page {} px wide, chart labels {:.1} to {:.1} px",
            page.scroll_width,
            page.labels.iter().map(|l| l.px).fold(f64::MAX, f64::min),
            page.labels.iter().map(|l| l.px).fold(0.0, f64::max)
        );
    }
}

/// What the browser laid out at one width.
#[derive(Debug, serde::Deserialize)]
struct Layout {
    width: u32,
    viewport: u32,
    scroll_width: u32,
    /// The chart text shown at this width, chart by chart, in document order.
    labels: Vec<Label>,
    /// The header cells of each table of groups.
    groups: Vec<Vec<Cell>>,
}

#[derive(Debug, serde::Deserialize)]
struct Label {
    chart: String,
    class: String,
    text: String,
    /// Font size times the scale the SVG is drawn at: the size on screen.
    px: f64,
    left: f64,
    right: f64,
}

#[derive(Debug, serde::Deserialize)]
struct Cell {
    text: String,
    right: f64,
}

/// Measures the report in Chromium at each of [`WIDTHS`]. The report has no script and
/// a headless window is at least 500 px wide, so the test loads a page of its own
/// holding the report in a frame of each width (`srcdoc`, so the page may look
/// inside), with a script that measures the frames once they are laid out and writes
/// what it found into the page, which `--dump-dom` prints.
fn layout(w: &Workdir, report: &str) -> Vec<Layout> {
    let srcdoc = report.replace('&', "&amp;").replace('"', "&quot;");
    let mut page = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body style=\"margin:0\">\n",
    );
    for width in WIDTHS {
        // Tall enough to hold the whole report, so the frame has no scroll bar.
        page.push_str(&format!(
            "<iframe data-width=\"{width}\" style=\"display:block;border:0;width:{width}px;height:100000px\" srcdoc=\"{srcdoc}\"></iframe>\n"
        ));
    }
    page.push_str(MEASURE);
    page.push_str("</body></html>\n");
    let measure = w.write("measure.html", &page);
    let dom = w.path("measured.html");
    let url = format!("file://{}", path_str(&measure));
    chromium(w, &["--dump-dom", &url], Some(&dom));
    let dom = std::fs::read_to_string(&dom).unwrap();
    let json = dom
        .split_once("<pre id=\"measurements\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(json, _)| {
            json.replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .unwrap_or_else(|| panic!("the measuring script wrote nothing:\n{dom:.2000}"));
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

const MEASURE: &str = r#"<script>
function box(el) {
  const r = el.getBoundingClientRect();
  return { left: r.left, right: r.right };
}
function measure(frame) {
  const doc = frame.contentDocument, win = frame.contentWindow;
  const labels = [...doc.querySelectorAll("svg.chart text")]
    .filter(t => t.getClientRects().length > 0)
    .map(t => ({
      chart: t.ownerSVGElement.id,
      class: t.getAttribute("class"),
      text: t.textContent,
      px: parseFloat(win.getComputedStyle(t).fontSize) * t.getScreenCTM().a,
      ...box(t),
    }));
  const groups = [...doc.querySelectorAll("table.groups")].map(table =>
    [...table.querySelectorAll("thead th")].map(th => ({ text: th.textContent, ...box(th) })));
  return {
    width: Number(frame.dataset.width),
    viewport: doc.documentElement.clientWidth,
    scroll_width: doc.documentElement.scrollWidth,
    labels,
    groups,
  };
}
addEventListener("load", () => {
  const out = document.createElement("pre");
  out.id = "measurements";
  out.textContent = JSON.stringify([...document.querySelectorAll("iframe")].map(measure));
  document.body.append(out);
});
</script>
"#;

fn chromium_is_installed() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing, so the HTML report cannot be checked in a browser: \
         install it with `apt-get install -y chromium` (.ci/run does)"
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
