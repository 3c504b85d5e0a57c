//! multi-complete: more than one COMPLETED attempt for one key.

use super::{attempt_ref, Check, Context, Needs};
use crate::findings::Finding;
use crate::model::LogEntry;
use crate::spec::Status;
use crate::vocab::Class;

pub struct MultiComplete;

impl Check for MultiComplete {
    fn class(&self) -> Class {
        Class::MultiComplete
    }

    fn prefilter(&self) -> Option<&'static str> {
        Some(crate::sql::queries::KEYS_COMPLETED)
    }

    fn needs(&self) -> Needs {
        Needs {
            statuses: true,
            whole_log: true,
            ..Needs::default()
        }
    }

    fn findings(&self, cx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for (key, entries) in &cx.log.by_key {
            let completed: Vec<&LogEntry> = entries
                .iter()
                .copied()
                .filter(|e| e.status == Status::Completed)
                .collect();
            if completed.len() < 2 {
                continue;
            }
            out.push(Finding {
                class: Class::MultiComplete,
                key: Some((*key).clone()),
                payload_hash: None,
                surplus_rows: 0,
                rows: cx
                    .by_key
                    .get(key)
                    .map(|rs| rs.iter().map(|&i| cx.row_ref(i)).collect())
                    .unwrap_or_default(),
                attempts: completed.iter().map(|e| attempt_ref(e)).collect(),
                payload_diff: Vec::new(),
                log_rows: 0,
                note: format!("{} attempts COMPLETED", completed.len()),
            });
        }
        out
    }

    fn rows(&self, f: &Finding) -> u64 {
        f.attempts.len() as u64
    }
}
