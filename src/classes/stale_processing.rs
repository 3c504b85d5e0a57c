//! stale-processing: an attempt still PROCESSING after its lease: the spec's
//! `lease` since it last changed, or, for a Powertools record in Redis, past its own
//! in-progress expiry (the function's deadline).

use chrono::Duration;

use super::{log_finding, logged_keys, Check, Context, Needs};
use crate::findings::Finding;
use crate::spec::Status;
use crate::vocab::{fmt_time, human, Class};

pub struct StaleProcessing;

impl Check for StaleProcessing {
    fn class(&self) -> Class {
        Class::StaleProcessing
    }

    fn prefilter(&self) -> Option<&'static str> {
        logged_keys()
    }

    fn needs(&self) -> Needs {
        Needs {
            statuses: true,
            whole_log: true,
            ..Needs::default()
        }
    }

    fn findings(&self, cx: &Context<'_>) -> Vec<Finding> {
        let lease = cx.spec.log.lease;
        let lease_span = Duration::from_std(lease).unwrap_or(Duration::MAX);
        let mut out = Vec::new();
        for (key, entries) in &cx.log.by_key {
            for e in entries.iter().filter(|e| e.status == Status::Processing) {
                let expiry = e.record.as_ref().and_then(|r| r.in_progress_expiry);
                let last = e.updated_at.or(e.created_at);
                let note = match (expiry, &e.record) {
                    (Some(expiry), Some(r)) if expiry < cx.as_of => format!(
                        "{} still {}, {} past its in-progress expiry {} (the call never finished)",
                        r.redis_key,
                        e.raw_status,
                        human(cx.as_of - expiry),
                        fmt_time(Some(expiry))
                    ),
                    (Some(_), _) => continue,
                    (None, _) => match last.map(|t| cx.as_of - t) {
                        Some(age) if age > lease_span => format!(
                            "PROCESSING since {}, {} past the {} lease",
                            fmt_time(last),
                            human(age - lease_span),
                            humantime::format_duration(lease)
                        ),
                        _ => continue,
                    },
                };
                out.push(log_finding(Class::StaleProcessing, key, e, note));
            }
        }
        out
    }

    fn rows(&self, f: &Finding) -> u64 {
        f.attempts.len() as u64
    }
}
