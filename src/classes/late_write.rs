//! late-write: a result row written by an attempt the log marks FAILED, the
//! incident's signature: the attempt was given up on, then finished after all.

use std::collections::BTreeMap;

use super::{logged_keys, Check, Context, Needs};
use crate::findings::Finding;
use crate::model::{LogEntry, ResultRow};
use crate::spec::Status;
use crate::vocab::{fmt_time, human, Class, Key};

pub struct LateWrite;

impl Check for LateWrite {
    fn class(&self) -> Class {
        Class::LateWrite
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
        let data = cx.data;
        let mut late_by_key: BTreeMap<&Key, Vec<usize>> = BTreeMap::new();
        for (i, r) in data.results.iter().enumerate() {
            if let (Some(key), Some(e)) = (&r.key, cx.attempts[i]) {
                if e.status == Status::Failed {
                    late_by_key.entry(key).or_default().push(i);
                }
            }
        }
        late_by_key
            .into_iter()
            .map(|(key, late)| {
                let all = cx.by_key.get(key).map_or(0, Vec::len);
                let notes: Vec<String> = late
                    .iter()
                    .map(|&i| note(&data.results[i], cx.attempts[i]))
                    .collect();
                Finding {
                    class: Class::LateWrite,
                    key: Some(key.clone()),
                    payload_hash: None,
                    surplus_rows: late.len().min(all.saturating_sub(1)) as u64,
                    rows: late.iter().map(|&i| cx.row_ref(i)).collect(),
                    attempts: cx.log.attempts_of(key),
                    payload_diff: Vec::new(),
                    log_rows: 0,
                    note: notes.join("; "),
                }
            })
            .collect()
    }
}

fn note(row: &ResultRow, entry: Option<&LogEntry>) -> String {
    let failed_at = entry.and_then(|e| e.updated_at.or(e.created_at));
    let attempt = row.attempt.as_deref().unwrap_or("-");
    let pk = row.pk.join(",");
    match (row.written_at, failed_at) {
        (Some(w), Some(f)) if w > f => format!(
            "row {pk} written at {} by attempt {attempt}, {} after it was marked FAILED at {}",
            fmt_time(Some(w)),
            human(w - f),
            fmt_time(Some(f))
        ),
        _ => format!("row {pk} was written by attempt {attempt}, which the log marks FAILED"),
    }
}
