//! One key's whole story, for the on-call engineer asking "what happened here?".
//!
//! In: the dataset of one key (its result rows and log rows), the spec and the time
//! staleness is judged against. Out: a [`Story`]: every attempt and every row in time
//! order with the gaps between them, the findings of the key, the verdict and what a
//! cleanup would do with it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::classes::attempt_ref;
use crate::findings::{key_text, AttemptRef, Class, Finding, RowRef};
use crate::model::{Dataset, Key};
use crate::scan::scan;
use crate::spec::{AuditSpec, Status};
use crate::vocab::{fmt_time, human};

/// Version of the JSON form of a story.
pub const STORY_VERSION: u32 = 1;

/// What happened to one key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Story {
    pub format_version: u32,
    pub key_columns: Vec<String>,
    pub key: Key,
    /// Attempts and rows, oldest first.
    pub events: Vec<Event>,
    /// Findings of this key (cross-key is judged by a scan, not here).
    pub findings: Vec<Finding>,
    /// One line per finding, or that the key is clean.
    pub verdict: Vec<String>,
    /// What a cleanup would do with the key's rows.
    pub action: String,
}

/// One moment of a key's story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: Option<DateTime<Utc>>,
    /// Seconds since the previous event with a time.
    pub gap_seconds: Option<i64>,
    pub text: String,
}

/// Tells the story of `key` from a dataset holding (at least) all of its rows.
pub fn story(key: &Key, data: &Dataset, spec: &AuditSpec, as_of: DateTime<Utc>) -> Story {
    // 1. Only this key, and no cross-key check: that needs the whole table.
    let own = Dataset {
        payload_columns: data.payload_columns.clone(),
        json_columns: data.json_columns.clone(),
        results: data
            .results
            .iter()
            .filter(|r| r.key.as_ref() == Some(key))
            .cloned()
            .collect(),
        log: data
            .log
            .iter()
            .filter(|e| e.key.as_ref() == Some(key))
            .cloned()
            .collect(),
        counts: None,
    };
    let spec = spec.with_checks(Vec::new(), false);
    let findings = scan(&own, &spec, as_of).findings;

    // 2. Events, told the same way as a report tells a finding's.
    let late: Vec<&RowRef> = findings
        .iter()
        .filter(|f| f.class == Class::LateWrite)
        .flat_map(|f| &f.rows)
        .collect();
    let attempts: Vec<AttemptRef> = own.log.iter().map(attempt_ref).collect();
    let events = events(
        &attempts,
        own.results.iter().map(|r| Write {
            pk: &r.pk,
            attempt: r.attempt.as_deref(),
            at: r.written_at,
            late: late.iter().any(|l| l.pk == r.pk),
        }),
    );

    // 3. Verdict and action.
    let verdict = if findings.is_empty() {
        vec!["clean: nothing to report for this key".to_string()]
    } else {
        findings
            .iter()
            .map(|f| format!("{}: {}", f.class, f.note))
            .collect()
    };
    let action = action(&findings);
    Story {
        format_version: STORY_VERSION,
        key_columns: spec.results.key.clone(),
        key: key.clone(),
        events,
        findings,
        verdict,
        action,
    }
}

/// The events of a finding's key, built from the rows and log rows it carries. An
/// exact or conflict finding carries every result row and log row of its key, so this
/// is the same story `explain` tells, without reading the source again.
pub fn events_of(f: &Finding) -> Vec<Event> {
    events(
        &f.attempts,
        f.rows.iter().map(|r| Write {
            pk: &r.pk,
            attempt: r.attempt.as_deref(),
            at: r.written_at,
            late: r.attempt_status == Some(Status::Failed),
        }),
    )
}

/// A result row as a story tells it.
struct Write<'a> {
    pk: &'a [String],
    attempt: Option<&'a str>,
    at: Option<DateTime<Utc>>,
    /// Written by an attempt the log marks FAILED.
    late: bool,
}

/// Attempts start and end, rows are written: oldest first (events without a time
/// last), each with the gap since the previous one.
fn events<'a>(log: &[AttemptRef], rows: impl IntoIterator<Item = Write<'a>>) -> Vec<Event> {
    // 1. Two events per log row, one per result row; the rank orders events that
    //    share a time: an attempt starts, then ends, then its row is written.
    let mut events: Vec<(Option<DateTime<Utc>>, u8, String)> = Vec::new();
    for e in log {
        let attempt = e.attempt.as_deref().unwrap_or("-");
        events.push((e.created_at, 0, format!("attempt {attempt} started")));
        let end = match e.status {
            Status::Processing => format!("attempt {attempt} still PROCESSING (last update)"),
            Status::Failed => format!("attempt {attempt} marked FAILED"),
            Status::Completed => format!("attempt {attempt} COMPLETED"),
            Status::Unknown => format!("attempt {attempt} set to {}", e.raw_status),
        };
        events.push((e.updated_at.or(e.created_at), 1, end));
    }
    for r in rows {
        let attempt = r.attempt.unwrap_or("-");
        let mut text = format!("row {} written by attempt {attempt}", r.pk.join(","));
        if let Some(entry) = log
            .iter()
            .find(|e| e.attempt.is_some() && e.attempt.as_deref() == r.attempt)
        {
            let failed_at = entry.updated_at.or(entry.created_at);
            if r.late {
                match (r.at, failed_at) {
                    (Some(w), Some(f)) if w > f => text.push_str(&format!(
                        ", {} after that attempt was marked FAILED: late write",
                        human(w - f)
                    )),
                    _ => text.push_str(", an attempt the log marks FAILED: late write"),
                }
            } else {
                text.push_str(&format!(" ({})", entry.raw_status));
            }
        } else {
            text.push_str(" (not in the log)");
        }
        events.push((r.at, 2, text));
    }

    // 2. Time order and gaps.
    events.sort_by_key(|e| (e.0.is_none(), e.0, e.1));
    let mut previous: Option<DateTime<Utc>> = None;
    events
        .into_iter()
        .map(|(at, _, text)| {
            let gap_seconds = match (previous, at) {
                (Some(p), Some(t)) => Some((t - p).num_seconds()),
                _ => None,
            };
            previous = at.or(previous);
            Event {
                at,
                gap_seconds,
                text,
            }
        })
        .collect()
}

/// What the default keep rule (the row of the COMPLETED attempt, then the earliest)
/// would do with the rows of `findings` (those of one key).
pub fn action(findings: &[Finding]) -> String {
    if let Some(f) = findings.iter().find(|f| f.class == Class::Exact) {
        let keeper = f
            .rows
            .iter()
            .find(|r| r.attempt_status == Some(Status::Completed))
            .map(|r| (r, "the row of the COMPLETED attempt"))
            .unwrap_or((&f.rows[0], "the earliest row"));
        let removed: Vec<String> = f
            .rows
            .iter()
            .filter(|r| r.pk != keeper.0.pk)
            .map(|r| r.pk.join(","))
            .collect();
        return format!(
            "a cleanup keeps row {} ({}) and removes {} {}",
            keeper.0.pk.join(","),
            keeper.1,
            if removed.len() == 1 { "row" } else { "rows" },
            removed.join(", ")
        );
    }
    if findings.iter().any(|f| f.class == Class::Conflict) {
        return "nothing is removed automatically: the payloads differ; resolve the conflict by hand or with a keep rule".into();
    }
    "nothing to remove".into()
}

impl Story {
    /// The story as the terminal shows it.
    pub fn render_text(&self) -> String {
        let mut out = format!(
            "{}  ({})\n\n",
            key_text(&Some(self.key.clone())),
            self.key_columns.join(", ")
        );
        let mut table = comfy_table::Table::new();
        table
            .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
            .set_width(120)
            .set_header(vec!["time", "gap", "event"]);
        for e in &self.events {
            table.add_row(vec![
                fmt_time(e.at),
                e.gap_seconds
                    .map(|g| format!("+{}", human(chrono::Duration::seconds(g))))
                    .unwrap_or_default(),
                e.text.clone(),
            ]);
        }
        if self.events.is_empty() {
            out.push_str("no result row and no log row has this key\n");
        } else {
            out.push_str(&table.to_string());
            out.push('\n');
        }
        out.push_str("\nverdict:\n");
        for v in &self.verdict {
            out.push_str(&format!("  {v}\n"));
        }
        for f in self.findings.iter().filter(|f| !f.payload_diff.is_empty()) {
            out.push_str("payload difference:\n");
            for d in &f.payload_diff {
                let show = |v: &Option<serde_json::Value>| {
                    v.as_ref().map_or("(absent)".to_string(), |v| v.to_string())
                };
                out.push_str(&format!(
                    "  {}: {} → {}\n",
                    d.path,
                    show(&d.left),
                    show(&d.right)
                ));
            }
        }
        out.push_str(&format!("action: {}\n", self.action));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LogEntry, ResultRow};
    use chrono::TimeZone;

    fn at(sec: i64) -> Option<DateTime<Utc>> {
        Some(Utc.with_ymd_and_hms(2026, 10, 14, 14, 0, 0).unwrap() + chrono::Duration::seconds(sec))
    }

    fn data() -> Dataset {
        let key = vec!["k".to_string()];
        let row = |pk: &str, attempt: &str, sec| ResultRow {
            pk: vec![pk.into()],
            key: Some(key.clone()),
            attempt: Some(attempt.into()),
            written_at: at(sec),
            payload: vec![Some(r#"{"v":1}"#.into())],
        };
        let entry = |attempt: &str, status: Status, start, end| LogEntry {
            record: None,
            key: Some(key.clone()),
            attempt: Some(attempt.into()),
            status,
            raw_status: status.to_string(),
            created_at: at(start),
            updated_at: at(end),
        };
        Dataset {
            payload_columns: vec!["payload".into()],
            json_columns: vec![true],
            // the late copy is written first in the table, so the keeper is chosen by
            // its attempt, not by its place
            results: vec![row("9", "a1", 90), row("5", "a2", 40)],
            log: vec![
                entry("a1", Status::Failed, 0, 30),
                entry("a2", Status::Completed, 31, 40),
            ],
            counts: None,
        }
    }

    #[test]
    fn story_keeps_the_row_of_the_completed_attempt_and_removes_the_late_write() {
        let s = story(
            &vec!["k".to_string()],
            &data(),
            &AuditSpec::default(),
            at(1000).unwrap(),
        );
        assert_eq!(
            s.action,
            "a cleanup keeps row 5 (the row of the COMPLETED attempt) and removes row 9"
        );
        let gaps: Vec<Option<i64>> = s.events.iter().map(|e| e.gap_seconds).collect();
        assert_eq!(gaps, [None, Some(30), Some(1), Some(9), Some(0), Some(50)]);
        assert!(
            s.events[5]
                .text
                .contains("1m 0s after that attempt was marked FAILED"),
            "{}",
            s.events[5].text
        );
    }

    #[test]
    fn events_of_a_scanned_group_are_the_events_of_its_story() {
        let key = vec!["k".to_string()];
        let as_of = at(1000).unwrap();
        let findings = scan(&data(), &AuditSpec::default(), as_of);
        let group = findings.of(Class::Exact).next().expect("an exact group");
        assert_eq!(
            events_of(group),
            story(&key, &data(), &AuditSpec::default(), as_of).events
        );
    }

    #[test]
    fn story_of_a_key_with_one_completed_row_is_clean() {
        let mut d = data();
        d.results.remove(0);
        d.log.remove(0);
        let s = story(
            &vec!["k".to_string()],
            &d,
            &AuditSpec::default(),
            at(1000).unwrap(),
        );
        assert_eq!(s.verdict, ["clean: nothing to report for this key"]);
        assert_eq!(s.action, "nothing to remove");
    }
}
