//! The generated incident's idempotency log written into Redis, in the layout of
//! Powertools' Redis persistence layer or as hashes, so that an audit of a log kept
//! in Redis can be tried (and compared with the same log in SQL) in two lines.
//!
//! Powertools deletes the record of a call that raised, so a store it writes has no
//! FAILED records; the incident's FAILED attempts are written with status `FAILED`
//! all the same, since they are the evidence of its late writes.

use std::time::Duration;

use crate::error::Error;
use crate::source::redis::RedisLog;
use crate::vocab::KeyPattern;

use super::GenLog;

/// The record layouts `load-redis` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LayoutArg {
    Powertools,
    Hash,
}

/// Records written per pipelined round trip.
const BATCH: usize = 1000;

/// How the records are written.
pub struct RedisLoad<'a> {
    pub pattern: &'a KeyPattern,
    /// The key's shape: how each record's key is written in its name.
    pub shape: crate::generate::shape::Shape,
    pub layout: LayoutArg,
    /// Each record's time to live.
    pub ttl: Option<Duration>,
    /// The lease of an in-progress record.
    pub lease: Duration,
    /// Delete the keys the pattern matches first.
    pub replace: bool,
}

/// Writes one record per row of `log`; gives back how many old keys were deleted.
pub async fn write(
    redis: &RedisLog,
    url: &str,
    log: &[GenLog],
    how: &RedisLoad<'_>,
) -> Result<u64, Error> {
    let mut conn = redis.connect().await?;
    let fail = |e: redis::RedisError| Error::Query {
        location: redis.location(),
        message: crate::source::redact_secrets(&e.to_string(), url),
    };
    let pattern = how.pattern;
    let mut deleted = 0u64;
    if how.replace {
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(pattern.glob())
                .arg("COUNT")
                .arg(BATCH)
                .query_async(&mut conn)
                .await
                .map_err(fail)?;
            if !keys.is_empty() {
                deleted += redis::cmd("UNLINK")
                    .arg(&keys)
                    .query_async::<u64>(&mut conn)
                    .await
                    .map_err(fail)?;
            }
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
    }
    let lease = chrono::Duration::from_std(how.lease).unwrap_or_default();
    for chunk in log.chunks(BATCH) {
        let mut pipe = redis::pipe();
        for entry in chunk {
            let name = pattern.name(
                &how.shape
                    .key_text(&entry.operation_name, &entry.idempotency_key),
                Some(&entry.attempt_id),
            );
            match how.layout {
                LayoutArg::Powertools => {
                    let doc = powertools_record(entry, lease, how.ttl);
                    pipe.cmd("SET").arg(&name).arg(doc.to_string()).ignore();
                }
                LayoutArg::Hash => {
                    pipe.cmd("DEL").arg(&name).ignore();
                    pipe.cmd("HSET")
                        .arg(&name)
                        .arg("status")
                        .arg(entry.status)
                        .arg("attempt_id")
                        .arg(&entry.attempt_id)
                        .arg("created_at")
                        .arg(entry.created_at.to_rfc3339())
                        .arg("updated_at")
                        .arg(entry.updated_at.to_rfc3339())
                        .ignore();
                }
            }
            if let Some(ttl) = how.ttl {
                pipe.cmd("PEXPIRE")
                    .arg(&name)
                    .arg(ttl.as_millis() as u64)
                    .ignore();
            }
        }
        pipe.query_async::<()>(&mut conn).await.map_err(fail)?;
    }
    Ok(deleted)
}

/// One log row as Powertools' Redis layer stores it: `status`, `expiration` (Unix
/// seconds), `in_progress_expiration` (Unix milliseconds, on INPROGRESS records).
fn powertools_record(
    entry: &GenLog,
    lease: chrono::Duration,
    ttl: Option<Duration>,
) -> serde_json::Value {
    let status = match entry.status {
        "PROCESSING" => "INPROGRESS",
        other => other,
    };
    let lifetime = ttl
        .and_then(|t| chrono::Duration::from_std(t).ok())
        .unwrap_or(chrono::Duration::hours(1));
    let mut doc = serde_json::json!({
        "status": status,
        "expiration": (entry.updated_at + lifetime).timestamp(),
    });
    if status == "INPROGRESS" {
        doc["in_progress_expiration"] =
            serde_json::json!((entry.updated_at + lease).timestamp_millis());
    }
    doc
}
