//! exact: one key, several rows, one canonical payload: every row but one is a
//! surplus copy, which a cleanup removes.

use rayon::prelude::*;

use super::{duplicated_keys, Check, Context, Needs};
use crate::findings::Finding;
use crate::spec::Status;
use crate::vocab::Class;

pub struct Exact;

impl Check for Exact {
    fn class(&self) -> Class {
        Class::Exact
    }

    fn prefilter(&self) -> Option<&'static str> {
        duplicated_keys()
    }

    fn needs(&self) -> Needs {
        Needs::default()
    }

    fn findings(&self, cx: &Context<'_>) -> Vec<Finding> {
        cx.duplicated()
            .par_iter()
            .filter(|(_, rows)| variants(cx, rows) == 1)
            .map(|&(key, rows)| Finding {
                class: Class::Exact,
                key: Some(key.clone()),
                payload_hash: Some(cx.hash(rows[0])),
                surplus_rows: rows.len() as u64 - 1,
                rows: rows.iter().map(|&i| cx.row_ref(i)).collect(),
                attempts: cx.log.attempts_of(key),
                payload_diff: Vec::new(),
                log_rows: 0,
                note: format!("{} identical rows{}", rows.len(), late_note(cx, rows)),
            })
            .collect()
    }
}

/// How many canonical payloads the rows have.
pub(super) fn variants(cx: &Context<'_>, rows: &[usize]) -> usize {
    let mut seen = Vec::new();
    for &i in rows {
        if !seen.contains(&cx.hash(i)) {
            seen.push(cx.hash(i));
        }
    }
    seen.len()
}

/// `; N written by an attempt the log marks FAILED`, or nothing.
pub(super) fn late_note(cx: &Context<'_>, rows: &[usize]) -> String {
    let late = rows
        .iter()
        .filter(|&&i| cx.attempts[i].map(|e| e.status) == Some(Status::Failed))
        .count();
    match late {
        0 => String::new(),
        n => format!("; {n} written by an attempt the log marks FAILED"),
    }
}
