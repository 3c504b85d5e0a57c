//! conflict: one key, several rows, different canonical payloads: never removed
//! unless the spec says how to resolve it; reported with where the payloads differ.

use rayon::prelude::*;

use super::exact::{late_note, variants};
use super::{duplicated_keys, Check, Context, Needs};
use crate::canonical::diff;
use crate::findings::Finding;
use crate::vocab::Class;

pub struct Conflict;

impl Check for Conflict {
    fn class(&self) -> Class {
        Class::Conflict
    }

    fn prefilter(&self) -> Option<&'static str> {
        duplicated_keys()
    }

    fn needs(&self) -> Needs {
        Needs::default()
    }

    fn findings(&self, cx: &Context<'_>) -> Vec<Finding> {
        let data = cx.data;
        cx.duplicated()
            .par_iter()
            .filter_map(|&(key, rows)| {
                let n = variants(cx, rows);
                if n < 2 {
                    return None;
                }
                let first = rows[0];
                let other = *rows.iter().find(|&&i| cx.hash(i) != cx.hash(first))?;
                let show = |i: usize| {
                    cx.canon
                        .display_value(&data.payload_columns, &data.results[i].payload)
                };
                Some(Finding {
                    class: Class::Conflict,
                    key: Some(key.clone()),
                    payload_hash: None,
                    surplus_rows: rows.len() as u64 - 1,
                    rows: rows.iter().map(|&i| cx.row_ref(i)).collect(),
                    attempts: cx.log.attempts_of(key),
                    payload_diff: diff(&show(first), &show(other)),
                    log_rows: 0,
                    note: format!(
                        "{} rows with {n} different payloads{}",
                        rows.len(),
                        late_note(cx, rows)
                    ),
                })
            })
            .collect()
    }
}
