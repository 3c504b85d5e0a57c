//! malformed-record: a record of a log kept in Redis that cannot be read (not
//! JSON, a missing status, a key name the pattern cannot split): named by its Redis
//! key, never guessed at. From what the log side counted over every record.

use super::{Check, Context, CountedAll, Needs};
use crate::findings::Finding;
use crate::vocab::Class;

pub struct MalformedRecord;

impl Check for MalformedRecord {
    fn class(&self) -> Class {
        Class::MalformedRecord
    }

    fn needs(&self) -> Needs {
        Needs {
            whole_log: true,
            redis: true,
            ..Needs::default()
        }
    }

    fn findings(&self, _cx: &Context<'_>) -> Vec<Finding> {
        Vec::new()
    }

    fn counted(&self, all: &CountedAll) -> Vec<Finding> {
        all.counts
            .malformed
            .iter()
            .map(|(key, m)| Finding {
                class: Class::MalformedRecord,
                key: key.clone(),
                payload_hash: None,
                surplus_rows: 0,
                rows: Vec::new(),
                attempts: Vec::new(),
                payload_diff: Vec::new(),
                log_rows: 0,
                note: format!("{}: {}", m.redis_key, m.reason),
            })
            .collect()
    }

    fn rows(&self, _f: &Finding) -> u64 {
        1
    }
}
