//! The classes of finding.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kinds of finding, in the order reports list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    Exact,
    Conflict,
    CrossKey,
    LateWrite,
    MultiComplete,
    StaleProcessing,
    OrphanResult,
    MissingResult,
    UnknownStatus,
    NullKey,
    ExpiredRecord,
    ValidationMismatch,
    MalformedRecord,
}

impl Class {
    /// Classes that only a log kept in Redis can show; a scan checks them only
    /// when its log is in Redis.
    pub const REDIS_ONLY: [Class; 3] = [
        Class::ExpiredRecord,
        Class::ValidationMismatch,
        Class::MalformedRecord,
    ];

    pub const ALL: [Class; 13] = [
        Class::Exact,
        Class::Conflict,
        Class::CrossKey,
        Class::LateWrite,
        Class::MultiComplete,
        Class::StaleProcessing,
        Class::OrphanResult,
        Class::MissingResult,
        Class::UnknownStatus,
        Class::NullKey,
        Class::ExpiredRecord,
        Class::ValidationMismatch,
        Class::MalformedRecord,
    ];

    /// The name used on the command line and in every report.
    pub fn name(self) -> &'static str {
        match self {
            Class::Exact => "exact",
            Class::Conflict => "conflict",
            Class::CrossKey => "cross-key",
            Class::LateWrite => "late-write",
            Class::MultiComplete => "multi-complete",
            Class::StaleProcessing => "stale-processing",
            Class::OrphanResult => "orphan-result",
            Class::MissingResult => "missing-result",
            Class::UnknownStatus => "unknown-status",
            Class::NullKey => "null-key",
            Class::ExpiredRecord => "expired-record",
            Class::ValidationMismatch => "validation-mismatch",
            Class::MalformedRecord => "malformed-record",
        }
    }

    /// One line for the people reading a report.
    pub fn meaning(self) -> &'static str {
        match self {
            Class::Exact => "same key, same canonical payload, several rows",
            Class::Conflict => "same key, different payloads",
            Class::CrossKey => "same payload under different keys (suspect)",
            Class::LateWrite => "row written by an attempt the log marks FAILED",
            Class::MultiComplete => "more than one COMPLETED attempt for a key",
            Class::StaleProcessing => "PROCESSING for longer than the lease",
            Class::OrphanResult => "result row with no log row",
            Class::MissingResult => "COMPLETED attempt whose key has no result row",
            Class::UnknownStatus => "log status the spec does not map (not judged)",
            Class::NullKey => "result row whose key is NULL (never grouped)",
            Class::ExpiredRecord => "result row whose log record has expired by TTL",
            Class::ValidationMismatch => "record's validation hash does not match the result row",
            Class::MalformedRecord => "log record in Redis that cannot be read",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Class {
    type Err = String;

    fn from_str(s: &str) -> Result<Class, String> {
        Class::ALL
            .into_iter()
            .find(|c| c.name() == s.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = Class::ALL.iter().map(|c| c.name()).collect();
                format!("unknown class `{s}`; classes are {}", names.join(", "))
            })
    }
}
