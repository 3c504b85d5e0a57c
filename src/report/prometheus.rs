//! Prometheus text exposition for node_exporter's textfile collector: per class the
//! groups, rows and surplus rows this run found and what is still outstanding in the
//! table, the totals, the window audited, how long the scan took and when it last
//! succeeded, so a scheduled audit can be graphed and alerted on.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{OutstandingCount, Report};
use crate::findings::Class;

/// Escapes a label value as the exposition format requires.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub fn render(r: &Report) -> String {
    let f = &r.findings;
    let source = format!(
        "source=\"{}\",results=\"{}\"",
        label(&r.source.location),
        label(&r.source.results)
    );
    let mut out = String::new();
    let mut family = |name: &str, help: &str, samples: Vec<(String, String)>| {
        let _ = writeln!(out, "# HELP dupaudit_{name} {help}");
        let _ = writeln!(out, "# TYPE dupaudit_{name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(out, "dupaudit_{name}{{{labels}}} {value}");
        }
    };
    // One sample per class, of what `pick` reads from the class's counts.
    fn per_class<T>(
        source: &str,
        counts: &BTreeMap<Class, T>,
        pick: fn(&T) -> u64,
    ) -> Vec<(String, String)> {
        (counts.iter())
            .map(|(class, n)| (format!("{source},class=\"{class}\""), pick(n).to_string()))
            .collect()
    }
    family(
        "groups",
        "Findings per class among what this run audited (with a window, the keys touched in it): groups, or single anomalous rows.",
        per_class(&source, &f.summary, |s| s.groups),
    );
    family(
        "rows",
        "Result rows and log rows in this run's findings, per class.",
        per_class(&source, &f.summary, |s| s.rows),
    );
    family(
        "surplus_rows",
        "Redundant result rows in this run's findings, per class: what a cleanup of them could remove.",
        per_class(&source, &f.summary, |s| s.surplus_rows),
    );
    // Known for a scan of everything and for --incremental runs; absent for --since.
    if let Some(o) = &r.outstanding {
        family(
            "outstanding_groups",
            "Findings per class still in the table after this run, whatever window it audited (incremental runs check again the keys earlier runs found; cross-key only in full scans).",
            per_class(&source, &o.summary, |n: &OutstandingCount| n.groups),
        );
        family(
            "outstanding_surplus_rows",
            "Redundant result rows per class still in the table after this run: what a cleanup could remove today.",
            per_class(&source, &o.summary, |n: &OutstandingCount| n.surplus_rows),
        );
    }
    let (start, end) = match &r.audited_window {
        Some(w) => (w.since.timestamp(), w.until.timestamp()),
        None => (0, r.generated_at.timestamp()),
    };
    family(
        "window_start_timestamp_seconds",
        "Unix time of the start of the window this run audited (keys touched from then on); 0 when it audited everything.",
        vec![(source.clone(), start.to_string())],
    );
    family(
        "window_end_timestamp_seconds",
        "Unix time of the end of the window this run audited; when it audited everything, the time the scan finished.",
        vec![(source.clone(), end.to_string())],
    );
    let t = &f.totals;
    family(
        "result_rows",
        "Result rows this run audited: every row of the results table, or with a window the rows written in it.",
        vec![(source.clone(), t.result_rows.to_string())],
    );
    // Absent when the scan checked no class that reads the log as a whole.
    if let Some(n) = t.log_rows {
        family(
            "log_rows",
            "Log rows this run audited: every row of the idempotency log, or with a window the rows created in it.",
            vec![(source.clone(), n.to_string())],
        );
    }
    family(
        "null_key_rows",
        "Result rows whose key is NULL, among those this run audited.",
        vec![(source.clone(), t.null_key_rows.to_string())],
    );
    family(
        "non_json_payloads",
        "Result rows whose JSON payload does not parse, among those this run audited.",
        vec![(source.clone(), t.non_json_payloads.to_string())],
    );
    if let Some(redis) = &f.redis {
        for (name, help, value) in [
            (
                "redis_keys_scanned",
                "Keys the SCAN of the Redis log returned.",
                redis.keys_scanned,
            ),
            (
                "redis_records",
                "Records read from the Redis log.",
                redis.records,
            ),
            (
                "redis_vanished_keys",
                "Redis keys that expired or were deleted during the scan.",
                redis.vanished,
            ),
            (
                "redis_changed_keys",
                "Redis keys whose value changed type during the scan.",
                redis.changed,
            ),
            (
                "redis_expired_status",
                "Redis records with status EXPIRED.",
                redis.expired_status,
            ),
            (
                "redis_without_ttl",
                "Redis records without a TTL.",
                redis.without_ttl,
            ),
        ] {
            family(name, help, vec![(source.clone(), value.to_string())]);
        }
    }
    family(
        "scan_duration_seconds",
        "Wall-clock time of the last scan.",
        vec![(source.clone(), format!("{:.3}", r.scan_seconds))],
    );
    family(
        "last_success_timestamp_seconds",
        "Unix time at which the last scan finished successfully.",
        vec![(source.clone(), r.generated_at.timestamp().to_string())],
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
