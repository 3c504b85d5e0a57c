//! null-key: a result row whose key has a NULL column: counted and reported, never
//! grouped with another.

use super::{Check, Context, Needs};
use crate::findings::Finding;
use crate::vocab::Class;

pub struct NullKey;

impl Check for NullKey {
    fn class(&self) -> Class {
        Class::NullKey
    }

    fn needs(&self) -> Needs {
        Needs {
            null_keys: true,
            ..Needs::default()
        }
    }

    fn findings(&self, cx: &Context<'_>) -> Vec<Finding> {
        (0..cx.data.results.len())
            .filter(|&i| cx.data.results[i].key.is_none())
            .map(|i| Finding {
                class: Class::NullKey,
                key: None,
                payload_hash: None,
                surplus_rows: 0,
                rows: vec![cx.row_ref(i)],
                attempts: Vec::new(),
                payload_diff: Vec::new(),
                log_rows: 0,
                note: "key is NULL: counted, never grouped".into(),
            })
            .collect()
    }
}
