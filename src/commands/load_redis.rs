//! `dupaudit load-redis`: generates the incident and writes its idempotency log into
//! Redis, in the layout of Powertools' Redis persistence layer or as hashes, so that
//! an audit of a log kept in Redis can be tried (and compared with the same log in
//! SQL) in two lines.
//!
//! In: the parsed arguments. Out: one record per log row and a summary on stderr.
//!
//! Powertools deletes the record of a call that raised, so a store it writes has no
//! FAILED records; the incident's FAILED attempts are written with status `FAILED`
//! all the same, since they are the evidence of its late writes.

use std::time::Instant;

use crate::cli::{LayoutArg, LoadRedisArgs};
use crate::error::{exit, Error};
use crate::generate::{generate, GenLog};
use crate::source::redis::RedisLog;
use crate::spec::{AuditSpec, LogSpec, RedisLogSpec};
use crate::vocab::KeyPattern;

/// Records written per pipelined round trip.
const BATCH: usize = 1000;

pub async fn run(args: &LoadRedisArgs) -> Result<u8, Error> {
    let key_columns = vec!["operation_name".to_string(), "idempotency_key".to_string()];
    let pattern = KeyPattern::parse(&args.key, &key_columns)
        .map_err(|why| Error::Usage(format!("--key: {why}")))?;
    if !pattern.has_attempt() {
        return Err(Error::Usage(
            "--key: the incident has several attempts per key; name `{attempt}` so that each gets its record".into(),
        ));
    }
    let mut spec = AuditSpec::default();
    spec.results.key = key_columns;
    spec.log = LogSpec {
        redis: Some(RedisLogSpec {
            key: args.key.clone(),
            ..RedisLogSpec::default()
        }),
        ..LogSpec::default()
    };
    let log = RedisLog::new(&args.log_url, &spec, std::time::Duration::from_secs(10))?
        .trusting(args.log_ca.as_deref())?;
    let mut conn = log.connect().await?;
    let fail = |e: redis::RedisError| Error::Query {
        location: log.location(),
        message: crate::source::redact_secrets(&e.to_string(), &args.log_url),
    };

    let started = Instant::now();
    let mut deleted = 0u64;
    if args.replace {
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

    let incident = generate(args.seed, args.rows);
    let lease = chrono::Duration::from_std(args.lease).unwrap_or_default();
    for chunk in incident.log.chunks(BATCH) {
        let mut pipe = redis::pipe();
        for entry in chunk {
            let name = pattern.name(
                &[entry.operation_name.clone(), entry.idempotency_key.clone()],
                Some(&entry.attempt_id),
            );
            match args.layout {
                LayoutArg::Powertools => {
                    let doc = powertools_record(entry, lease, args.ttl);
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
            if let Some(ttl) = args.ttl {
                pipe.cmd("PEXPIRE")
                    .arg(&name)
                    .arg(ttl.as_millis() as u64)
                    .ignore();
            }
        }
        pipe.query_async::<()>(&mut conn).await.map_err(fail)?;
    }
    eprintln!(
        "wrote {} log records ({:?} layout, keys like {}) to {} in {:.1}s (seed {}){}",
        incident.log.len(),
        args.layout,
        pattern.glob(),
        log.location(),
        started.elapsed().as_secs_f64(),
        args.seed,
        if args.replace {
            format!("; {deleted} old keys deleted first")
        } else {
            String::new()
        }
    );
    Ok(exit::CLEAN)
}

/// One log row as Powertools' Redis layer stores it: `status`, `expiration` (Unix
/// seconds), `in_progress_expiration` (Unix milliseconds, on INPROGRESS records).
fn powertools_record(
    entry: &GenLog,
    lease: chrono::Duration,
    ttl: Option<std::time::Duration>,
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
