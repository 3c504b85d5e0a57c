//! missing-result: an attempt the log marks COMPLETED whose key has no result row at
//! all: a lost write. A key whose rows another attempt wrote, or whose surplus copy
//! a cleanup removed, lost none.

use super::{log_finding, logged_keys, Check, Context, Needs};
use crate::findings::Finding;
use crate::spec::Status;
use crate::vocab::{fmt_time, Class};

pub struct MissingResult;

impl Check for MissingResult {
    fn class(&self) -> Class {
        Class::MissingResult
    }

    fn prefilter(&self) -> Option<&'static str> {
        logged_keys()
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
            if cx.by_key.contains_key(key) {
                continue;
            }
            for e in entries.iter().filter(|e| e.status == Status::Completed) {
                let last = e.updated_at.or(e.created_at);
                out.push(log_finding(
                    Class::MissingResult,
                    key,
                    e,
                    format!(
                        "attempt {} COMPLETED at {} but the key has no result row",
                        e.attempt.as_deref().unwrap_or("-"),
                        fmt_time(last)
                    ),
                ));
            }
        }
        out
    }

    fn rows(&self, f: &Finding) -> u64 {
        f.attempts.len() as u64
    }
}
