//! A small harness: a temporary working directory per test and a command runner
//! whose failures show everything the command printed.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use dupaudit::findings::Findings;

/// The repository root, where the sample data and `dupaudit.toml` live.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sample(file: &str) -> PathBuf {
    repo().join("sample-data").join(file)
}

/// A temporary directory that a test runs dupaudit in.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("creating a temporary directory"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).expect("writing a test file");
        p
    }

    /// Runs dupaudit with `args` in this directory.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = Command::cargo_bin("dupaudit")
            .expect("the dupaudit binary")
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("SPARK_REMOTE")
            .args(args)
            .output()
            .expect("running dupaudit");
        Run {
            args: args.iter().map(|s| s.to_string()).collect(),
            output,
        }
    }

    /// Runs dupaudit from the repository root, as the README does.
    pub fn run_in_repo(args: &[&str]) -> Run {
        let output = Command::cargo_bin("dupaudit")
            .expect("the dupaudit binary")
            .current_dir(repo())
            .env_remove("DATABASE_URL")
            .env_remove("SPARK_REMOTE")
            .args(args)
            .output()
            .expect("running dupaudit");
        Run {
            args: args.iter().map(|s| s.to_string()).collect(),
            output,
        }
    }
}

/// The time the sample's staleness is judged against in tests.
pub const AS_OF: &str = "2026-10-31T00:00:00Z";

/// `scan --format json --fail-on none --as-of AS_OF` followed by `extra`.
pub fn scan_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "scan",
        "--format",
        "json",
        "--fail-on",
        "none",
        "--as-of",
        AS_OF,
    ];
    args.extend_from_slice(extra);
    args
}

impl Workdir {
    /// A JSON scan in this directory that must exit 0.
    pub fn scan_json(&self, extra: &[&str]) -> dupaudit::report::Report {
        self.run(&scan_args(extra)).expect_code(0).report()
    }

    /// A JSON scan from the repository root that must exit 0.
    pub fn scan_json_in_repo(extra: &[&str]) -> dupaudit::report::Report {
        Workdir::run_in_repo(&scan_args(extra))
            .expect_code(0)
            .report()
    }
}

/// A generated incident (every class present) in every form, under `data/`.
pub fn generated() -> Workdir {
    let w = Workdir::new();
    w.run(&["generate", "--rows", "4000", "--seed", "7", "--out", "data"])
        .expect_code(0);
    w
}

/// The findings of a JSON scan in `w` with the repository's spec, reading `source`.
pub fn scan_with_spec(w: &Workdir, source: &[&str], extra: &[&str]) -> Findings {
    let spec = repo().join("dupaudit.toml");
    let mut args = vec!["--spec", path_str(&spec)];
    args.extend_from_slice(source);
    args.extend_from_slice(extra);
    w.scan_json(&args).findings
}

/// The outcome of one run.
pub struct Run {
    args: Vec<String>,
    pub output: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    /// Asserts the exit code, printing everything on failure.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        if self.code() != code {
            panic!(
                "dupaudit {:?}\nexpected exit {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
                self.args,
                self.code(),
                self.stdout(),
                self.stderr()
            );
        }
        self
    }

    /// Asserts that stderr contains every fragment.
    #[track_caller]
    pub fn stderr_has(&self, fragments: &[&str]) -> &Run {
        let err = self.stderr();
        for f in fragments {
            assert!(
                err.contains(f),
                "stderr lacks {f:?}:\n{err}\n--- stdout\n{}",
                self.stdout()
            );
        }
        self
    }

    /// Asserts that stdout contains every fragment.
    #[track_caller]
    pub fn stdout_has(&self, fragments: &[&str]) -> &Run {
        let out = self.stdout();
        for f in fragments {
            assert!(
                out.contains(f),
                "stdout lacks {f:?}:\n{out}\n--- stderr\n{}",
                self.stderr()
            );
        }
        self
    }

    /// Parses stdout as a JSON report.
    #[track_caller]
    pub fn report(&self) -> dupaudit::report::Report {
        serde_json::from_str(&self.stdout()).unwrap_or_else(|e| {
            panic!(
                "stdout is not a JSON report ({e}):\n{}\n--- stderr\n{}",
                self.stdout(),
                self.stderr()
            )
        })
    }
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// Two scans found the same: summary, totals, window and every finding, in order.
pub fn assert_same(a: &dupaudit::findings::Findings, b: &dupaudit::findings::Findings, what: &str) {
    assert_eq!(a.summary, b.summary, "{what}: summary");
    assert_eq!(a.totals, b.totals, "{what}: totals");
    assert_eq!(a.window, b.window, "{what}: window");
    assert_eq!(
        a.findings.len(),
        b.findings.len(),
        "{what}: number of findings"
    );
    for (x, y) in a.findings.iter().zip(&b.findings) {
        assert_eq!(x, y, "{what}: first differing finding");
    }
}

/// The findings of a scan in parts ([`dupaudit::scan::scan_each`]): `each` is
/// handed every part's findings, and the findings come back with their list put
/// together as a report lists them, class by class.
pub fn scan_in_parts<E>(
    scan: impl FnOnce(
        &mut dyn FnMut(Vec<dupaudit::findings::Finding>) -> Result<(), E>,
    ) -> Result<dupaudit::findings::Findings, E>,
    mut each: impl FnMut(&[dupaudit::findings::Finding]) -> Result<(), E>,
) -> Result<(usize, dupaudit::findings::Findings), E> {
    let mut parts = 0;
    let mut by_class = dupaudit::scan::ByClass::default();
    let mut found = scan(&mut |part| {
        parts += 1;
        each(&part)?;
        by_class.add(part);
        Ok(())
    })?;
    found.findings = by_class.into_list();
    Ok((parts, found))
}
