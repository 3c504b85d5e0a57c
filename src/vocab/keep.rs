//! The rules of a keep chain: which row of a duplicated key a cleanup keeps.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One rule of a keep chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum KeepRule {
    /// Rows whose attempt the log marks COMPLETED.
    CompletedAttempt,
    /// The row with the earliest timestamp.
    Earliest,
    /// The row with the latest timestamp.
    Latest,
    /// The row with the lowest primary key (numbers compared as numbers).
    LowestId,
    /// The row with the lowest (or, descending, highest) value of a column.
    Column { name: String, descending: bool },
}

impl fmt::Display for KeepRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeepRule::CompletedAttempt => f.write_str("completed-attempt"),
            KeepRule::Earliest => f.write_str("earliest"),
            KeepRule::Latest => f.write_str("latest"),
            KeepRule::LowestId => f.write_str("lowest-id"),
            KeepRule::Column {
                name,
                descending: false,
            } => write!(f, "column:{name}"),
            KeepRule::Column {
                name,
                descending: true,
            } => write!(f, "column:{name}:desc"),
        }
    }
}

impl FromStr for KeepRule {
    type Err = String;

    fn from_str(s: &str) -> Result<KeepRule, String> {
        let s = s.trim();
        Ok(match s {
            "completed-attempt" => KeepRule::CompletedAttempt,
            "earliest" => KeepRule::Earliest,
            "latest" => KeepRule::Latest,
            "lowest-id" => KeepRule::LowestId,
            _ => {
                let Some(column) = s.strip_prefix("column:") else {
                    return Err(format!(
                        "unknown keep rule `{s}`; rules are completed-attempt, earliest, latest, lowest-id, column:NAME[:desc]"
                    ));
                };
                let (name, descending) = match column.rsplit_once(':') {
                    Some((name, "desc")) => (name, true),
                    Some((name, "asc")) => (name, false),
                    _ => (column, false),
                };
                crate::sql::validate_identifier(name)
                    .map_err(|why| format!("keep rule `{s}`: {why}"))?;
                KeepRule::Column {
                    name: name.to_string(),
                    descending,
                }
            }
        })
    }
}

impl TryFrom<String> for KeepRule {
    type Error = String;
    fn try_from(s: String) -> Result<KeepRule, String> {
        s.parse()
    }
}

impl From<KeepRule> for String {
    fn from(r: KeepRule) -> String {
        r.to_string()
    }
}
