//! unknown-status: a status value of the log that the spec's `[log.statuses]` does
//! not map. Those attempts are not judged (no late write, stale lease or lost write
//! can be found among them), so a scan that meets one says which value, on how many
//! log rows, and what it most likely means. One finding per value, from what the
//! source counted over the whole log.

use super::{Check, Context, CountedAll, Needs};
use crate::findings::Finding;
use crate::spec::Status;
use crate::vocab::Class;

pub struct UnknownStatus;

impl Check for UnknownStatus {
    fn class(&self) -> Class {
        Class::UnknownStatus
    }

    fn needs(&self) -> Needs {
        Needs {
            whole_log: true,
            ..Needs::default()
        }
    }

    fn findings(&self, _cx: &Context<'_>) -> Vec<Finding> {
        Vec::new()
    }

    fn counted(&self, all: &CountedAll) -> Vec<Finding> {
        let mut values = all.counts.unknown_statuses.clone().unwrap_or_default();
        // The most frequent first: the spelling that misreads most of the log.
        values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        values
            .into_iter()
            .map(|(value, rows)| Finding {
                class: Class::UnknownStatus,
                key: None,
                payload_hash: None,
                surplus_rows: 0,
                rows: Vec::new(),
                attempts: Vec::new(),
                payload_diff: Vec::new(),
                note: note(&value, rows),
                log_rows: rows,
            })
            .collect()
    }

    fn rows(&self, f: &Finding) -> u64 {
        f.log_rows
    }
}

/// What an unknown-status finding says: the value, its rows, and what it most
/// likely means.
fn note(value: &str, rows: u64) -> String {
    let guess = match Status::guess(value) {
        Some(s) => format!("; it looks like {s}"),
        None => String::new(),
    };
    format!(
        "status `{value}` on {rows} log row{}: not one of [log.statuses]' spellings, so \
         those attempts are not judged{guess}",
        if rows == 1 { "" } else { "s" }
    )
}
