//! cross-key: the same canonical payload under different keys, a request resent
//! under a fresh key: reported as suspect, never removed. No query can name its
//! keys: every payload is hashed.

use foldhash::{HashMap, HashMapExt, HashSet};

use super::{order, Check, Context, Needs};
use crate::canonical::PayloadHash;
use crate::findings::Finding;
use crate::model::ResultRow;
use crate::vocab::{Class, Key};

pub struct CrossKey;

impl Check for CrossKey {
    fn class(&self) -> Class {
        Class::CrossKey
    }

    fn needs(&self) -> Needs {
        Needs {
            every_payload: true,
            ..Needs::default()
        }
    }

    fn findings(&self, cx: &Context<'_>) -> Vec<Finding> {
        let data = cx.data;
        let mut by_hash: HashMap<PayloadHash, Vec<usize>> = HashMap::new();
        // Over a window, only rows written in it are compared across keys.
        let in_window = |r: &ResultRow| match cx.spec.scan.window {
            Some(w) => r.written_at.is_some_and(|t| w.contains(t)),
            None => true,
        };
        for (i, r) in data.results.iter().enumerate() {
            if r.key.is_some() && in_window(r) {
                by_hash.entry(cx.hash(i)).or_default().push(i);
            }
        }
        let mut out = Vec::new();
        for (hash, mut rows) in by_hash {
            let keys: HashSet<&Key> = rows
                .iter()
                .filter_map(|&i| data.results[i].key.as_ref())
                .collect();
            if keys.len() < 2 {
                continue;
            }
            rows.sort_by(|&a, &b| order(&data.results[a], &data.results[b]));
            let first_key = data.results[rows[0]].key.clone();
            let surplus = rows
                .iter()
                .filter(|&&i| data.results[i].key != first_key)
                .count();
            out.push(Finding {
                class: Class::CrossKey,
                key: None,
                payload_hash: Some(hash),
                surplus_rows: surplus as u64,
                note: format!("the same payload under {} keys", keys.len()),
                rows: rows.iter().map(|&i| cx.row_ref(i)).collect(),
                attempts: Vec::new(),
                payload_diff: Vec::new(),
                log_rows: 0,
            });
        }
        out
    }
}
