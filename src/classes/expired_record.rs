//! expired-record: a result row whose key has no record in a log kept in Redis
//! because the record expired: its key's record says EXPIRED, or the row is older
//! than the records' TTL (`[log.redis] ttl`). Other rows without a record are
//! orphan-result.

use chrono::Duration;

use super::{Check, Context, Needs};
use crate::findings::Finding;
use crate::vocab::{fmt_time, human, Class};

pub struct ExpiredRecord;

impl Check for ExpiredRecord {
    fn class(&self) -> Class {
        Class::ExpiredRecord
    }

    fn needs(&self) -> Needs {
        Needs {
            whole_log: true,
            redis: true,
            ..Needs::default()
        }
    }

    fn findings(&self, cx: &Context<'_>) -> Vec<Finding> {
        (0..cx.data.results.len())
            .filter_map(|i| {
                let note = expired(cx, i)?;
                let key = cx.data.results[i].key.clone();
                Some(Finding {
                    class: Class::ExpiredRecord,
                    key,
                    payload_hash: None,
                    surplus_rows: 0,
                    rows: vec![cx.row_ref(i)],
                    attempts: Vec::new(),
                    payload_diff: Vec::new(),
                    log_rows: 0,
                    note,
                })
            })
            .collect()
    }
}

/// The TTL of the records of a log kept in Redis, when the spec gives one.
pub(super) fn ttl(cx: &Context<'_>) -> Option<Duration> {
    cx.spec
        .log
        .redis
        .as_ref()
        .and_then(|r| r.ttl)
        .and_then(|t| Duration::from_std(t).ok())
}

/// Why result row `i`'s record expired, when its key has no record in a log kept in
/// Redis and either its record says EXPIRED or the row is older than the TTL.
pub(super) fn expired(cx: &Context<'_>, i: usize) -> Option<String> {
    cx.spec.log.redis.as_ref()?;
    let r = &cx.data.results[i];
    let key = r.key.as_ref()?;
    if cx.attempts[i].is_some() || cx.log.has_key(key) {
        return None;
    }
    if cx.log.expired.contains(key) {
        return Some("the key's record has status EXPIRED".into());
    }
    let (ttl, written) = (ttl(cx)?, r.written_at?);
    (written + ttl <= cx.as_of).then(|| {
        format!(
            "written {}; a record of that time expired by {} (ttl {})",
            fmt_time(Some(written)),
            fmt_time(Some(written + ttl)),
            human(ttl)
        )
    })
}
