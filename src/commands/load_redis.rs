//! `dupaudit load-redis`: generates the incident and writes its idempotency log into
//! Redis (see [`crate::generate::redis`]). Out: one record per log row and a
//! summary on stderr.

use std::time::Instant;

use crate::cli::LoadRedisArgs;
use crate::error::{exit, Error};
use crate::generate::generate;
use crate::generate::redis::{self, RedisLoad};
use crate::generate::shape::Shape;
use crate::source::redis::RedisLog;
use crate::spec::{AuditSpec, LogSpec, RedisLogSpec, ResultsSpec};
use crate::vocab::KeyPattern;

pub async fn run(args: &LoadRedisArgs) -> Result<u8, Error> {
    let shape = Shape {
        key: args.key_type,
        ..Shape::default()
    };
    let key_columns: Vec<String> = shape.log_key().into_iter().map(String::from).collect();
    let pattern = KeyPattern::parse(&args.key, &key_columns)
        .map_err(|why| Error::Usage(format!("--key: {why}")))?;
    if !pattern.has_attempt() {
        return Err(Error::Usage(
            "--key: the incident has several attempts per key; name `{attempt}` so that each gets its record".into(),
        ));
    }
    let redis_log = RedisLogSpec {
        key: args.key.clone(),
        ..RedisLogSpec::default()
    };
    let spec = AuditSpec {
        results: ResultsSpec {
            key: key_columns,
            ..ResultsSpec::default()
        },
        log: LogSpec {
            redis: Some(redis_log),
            ..LogSpec::default()
        },
        ..AuditSpec::default()
    };
    let log = RedisLog::new(&args.log_url, &spec, std::time::Duration::from_secs(10))?
        .trusting(args.log_ca.as_deref())?;
    let started = Instant::now();
    let incident = generate(args.seed, args.rows);
    let how = RedisLoad {
        pattern: &pattern,
        shape,
        layout: args.layout,
        ttl: args.ttl,
        lease: args.lease,
        replace: args.replace,
    };
    let deleted = redis::write(&log, &args.log_url, &incident.log, &how).await?;
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
