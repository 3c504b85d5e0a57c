//! orphan-result: a result row whose attempt (or, without attempt columns, whose
//! key) the log never saw. A row whose Redis record expired is an expired-record
//! instead.

use super::{expired_record, logged_keys, Check, Context, Needs};
use crate::findings::Finding;
use crate::vocab::{fmt_time, Class};

pub struct OrphanResult;

impl Check for OrphanResult {
    fn class(&self) -> Class {
        Class::OrphanResult
    }

    fn prefilter(&self) -> Option<&'static str> {
        logged_keys()
    }

    fn needs(&self) -> Needs {
        Needs {
            whole_log: true,
            ..Needs::default()
        }
    }

    fn findings(&self, cx: &Context<'_>) -> Vec<Finding> {
        let data = cx.data;
        let ttl = expired_record::ttl(cx);
        let mut out = Vec::new();
        for (i, r) in data.results.iter().enumerate() {
            let Some(key) = &r.key else { continue };
            if cx.attempts[i].is_some() || expired_record::expired(cx, i).is_some() {
                continue;
            }
            let note = match (cx.log.has_key(key), ttl, r.written_at) {
                (true, _, _) if cx.with_attempt() => format!(
                    "attempt {} is not in the log",
                    r.attempt.as_deref().unwrap_or("NULL")
                ),
                (false, Some(ttl), Some(written)) => format!(
                    "never recorded: a record written with the row would live until {}",
                    fmt_time(Some(written + ttl))
                ),
                _ => "the key is not in the log".into(),
            };
            out.push(Finding {
                class: Class::OrphanResult,
                key: Some(key.clone()),
                payload_hash: None,
                surplus_rows: 0,
                rows: vec![cx.row_ref(i)],
                attempts: cx.log.attempts_of(key),
                payload_diff: Vec::new(),
                log_rows: 0,
                note,
            });
        }
        out
    }
}
