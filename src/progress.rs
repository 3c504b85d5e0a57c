//! Progress of long scans on stderr: the phase, rows done, rate. Hidden when stderr
//! is not a terminal (cron, CI, pipes) or with `--quiet`; phases are also logged
//! through `tracing` (`-v`, `RUST_LOG`).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{HumanCount, ProgressBar, ProgressState, ProgressStyle};

/// A spinner with a phase and a row counter, or nothing.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Shown only on a terminal and when not `quiet`.
    pub fn new(quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        let bar = ProgressBar::new_spinner();
        // The phase is cut to the terminal's width; the rows and their rate show
        // once a phase counts any, the rate in whole rows a second.
        let style = ProgressStyle::with_template("{spinner} {elapsed:>4} {wide_msg} {rows}")
            .expect("a valid progress template")
            .with_key("rows", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                if s.pos() > 0 {
                    let rate = HumanCount(s.per_sec().round() as u64);
                    let _ = write!(w, "{} rows ({rate}/s)", HumanCount(s.pos()));
                }
            });
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar: Some(bar) }
    }

    /// Shows nothing.
    pub fn hidden() -> Progress {
        Progress { bar: None }
    }

    /// Starts a phase: its name replaces the previous one and the counter restarts.
    pub fn phase(&self, name: &str) {
        tracing::info!("{name}");
        if let Some(b) = &self.bar {
            b.set_message(name.to_string());
            b.set_position(0);
        }
    }

    /// Counts rows done in the current phase.
    pub fn rows(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    /// Removes the spinner before the report is printed.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
