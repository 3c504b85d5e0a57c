//! What the on-call engineer sees on a terminal: dupaudit run under a
//! pseudo-terminal (`script` from util-linux) of a given width.

use std::process::Command;

use crate::harness::repo;

/// Runs `dupaudit ARGS` in the repository on a pseudo-terminal `columns` wide, with
/// `input` typed at it; gives back what the terminal showed (escape sequences and
/// carriage returns taken out) and the exit code. Standard error goes to the
/// terminal too when `stderr`; else it is dropped (the spinner of a scan redraws
/// itself there).
pub fn on_terminal(columns: u16, args: &str, input: &str, stderr: bool) -> (String, i32) {
    let binary = assert_cmd::cargo::cargo_bin("dupaudit");
    let drop = if stderr { "" } else { " 2>/dev/null" };
    let command = format!(
        "stty cols {columns} rows 50; {} {args}{drop}",
        binary.display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(repo())
        .env_remove("DATABASE_URL")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs commands on a pseudo-terminal");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("script's input");
        stdin
            .write_all(input.as_bytes())
            .expect("typing at the terminal");
    }
    let output = child.wait_with_output().expect("script ends");
    let text = String::from_utf8_lossy(&output.stdout);
    let plain = strip_escapes(&text).replace('\r', "");
    (plain, output.status.code().unwrap_or(-1))
}

fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[test]
fn the_default_scan_fits_80_columns_and_ends_with_the_verdict() {
    let (shown, code) = on_terminal(80, "scan --as-of 2026-10-31", "", false);
    assert_eq!(code, 1, "the sample's duplicates fail the run:\n{shown}");
    let lines: Vec<&str> = shown.lines().collect();
    for line in &lines {
        assert!(
            line.chars().count() <= 80,
            "a line wider than the terminal ({}):\n{line}",
            line.chars().count()
        );
    }
    let last = lines.iter().rev().find(|l| !l.trim().is_empty()).unwrap();
    let verdict_start = lines
        .iter()
        .rposition(|l| l.starts_with("Done."))
        .expect("a verdict line");
    assert!(
        lines[verdict_start].starts_with("Done. FAIL (exit 1) on exact, conflict"),
        "{shown}"
    );
    assert!(
        last.ends_with('.'),
        "the verdict is the last thing shown:\n{shown}"
    );
    // The summary is on screen: the whole report fits a few screens, not hundreds of
    // lines, and lists each key once.
    assert!(lines.len() < 150, "{} lines:\n{shown}", lines.len());
    let listed = lines
        .iter()
        .filter(|l| l.contains("summarize/req-0000084-5e31"))
        .count();
    assert_eq!(listed, 1, "{shown}");
}

#[test]
fn a_wide_terminal_or_a_file_gets_lines_as_long_as_they_take() {
    let (shown, _) = on_terminal(80, "scan --as-of 2026-10-31 --wide", "", false);
    assert!(shown.lines().any(|l| l.chars().count() > 80), "{shown}");
}

/// `apply` on a terminal shows what the plan will do and goes on only at `yes`: a
/// `y` changes nothing.
#[test]
fn apply_shows_the_plan_and_asks_for_the_word_yes() {
    let t = crate::cleanup::Target::sqlite();
    t.plan();
    let before = t.rows();
    let apply = format!("apply {}", t.plan_path());
    let (shown, code) = on_terminal(80, &apply, "y\n", true);
    assert_eq!(code, 2, "{shown}");
    for part in [
        "105 rows to remove",
        "by class",
        "keepers by",
        "not planned",
        "Only 'yes' goes on",
    ] {
        assert!(shown.contains(part), "{part}:\n{shown}");
    }
    assert_eq!(t.rows(), before, "a `y` removed rows");
    let (shown, code) = on_terminal(80, &apply, "yes\n", true);
    assert_eq!(code, 0, "{shown}");
    assert_eq!(t.rows().len(), before.len() - 105, "{shown}");
    // The runs table names who ran it.
    let runs = t.run("runs", &["--format", "json"]).expect_code(0).stdout();
    let user = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let user = String::from_utf8_lossy(&user.stdout).trim().to_string();
    assert!(
        runs.contains(&format!("\"applied_by\": \"{user}@")),
        "{runs}"
    );
}
