//! The statuses of an idempotency log's attempts, as dupaudit understands them.

use serde::{Deserialize, Serialize};

/// A status as dupaudit understands it, after the spec's spellings are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Processing,
    Completed,
    Failed,
    /// A value the spec does not list; counted and reported, never guessed.
    Unknown,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Processing => "PROCESSING",
            Status::Completed => "COMPLETED",
            Status::Failed => "FAILED",
            Status::Unknown => "UNKNOWN",
        })
    }
}

impl Status {
    /// What a status spelling most likely means, for values no spec maps yet (`init`,
    /// and the hint of a scan that meets them): the words pipelines and libraries
    /// write, compared case-insensitively, `_`, `-` and spaces ignored. `None` for a
    /// word it does not know.
    pub fn guess(spelling: &str) -> Option<Status> {
        let word: String = spelling
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        const COMPLETED: &[&str] = &[
            "completed",
            "complete",
            "done",
            "succeeded",
            "success",
            "successful",
            "ok",
            "finished",
            "processed",
            "committed",
            "saved",
            "written",
            // Powertools: a completed record read after its expiry.
            "expired",
        ];
        const FAILED: &[&str] = &[
            "failed",
            "failure",
            "fail",
            "error",
            "errored",
            "aborted",
            "cancelled",
            "canceled",
            "timeout",
            "timedout",
            "rejected",
            "crashed",
        ];
        const PROCESSING: &[&str] = &[
            "processing",
            "inprogress",
            "running",
            "pending",
            "started",
            "queued",
            "active",
            "claimed",
            "locked",
            "working",
            "retrying",
            "inflight",
        ];
        [
            (COMPLETED, Status::Completed),
            (FAILED, Status::Failed),
            (PROCESSING, Status::Processing),
        ]
        .into_iter()
        .find(|(words, _)| words.contains(&word.as_str()))
        .map(|(_, status)| status)
    }
}
