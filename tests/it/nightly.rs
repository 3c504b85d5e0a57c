//! The nightly audit: `--incremental` runs whose metrics and exit code say what is
//! still in the table, not only what the night's window added, checked with the
//! alert rules of `docs/alerts.yml` under `promtool` (Debian's `prometheus`).

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::json;

use crate::harness::{path_str, repo, sample, Workdir};
use crate::servers::run_sql;

/// The samples of a Prometheus text exposition: series (name and labels) → value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            (series.to_string(), value.parse().unwrap())
        })
        .collect()
}

/// The labels of a series, `name{a="x",b="y"}`.
fn labels(series: &str) -> BTreeMap<String, String> {
    let inner = &series[series.find('{').unwrap() + 1..series.len() - 1];
    inner
        .split("\",")
        .map(|pair| {
            let (k, v) = pair.split_once("=\"").unwrap();
            (k.to_string(), v.trim_end_matches('"').to_string())
        })
        .collect()
}

/// The value of `name` for `class`.
fn value(metrics: &BTreeMap<String, f64>, name: &str, class: &str) -> f64 {
    let series = metrics.iter().find(|(s, _)| {
        s.starts_with(&format!("{name}{{")) && s.contains(&format!("class=\"{class}\""))
    });
    *series
        .unwrap_or_else(|| panic!("no {name} for {class}: {metrics:?}"))
        .1
}

struct Nightly {
    w: Workdir,
    spec: String,
    url: String,
    state: String,
}

impl Nightly {
    /// One night's run, as the README's recipe runs it: its exit code and metrics.
    fn night(&self, n: u32) -> (i32, BTreeMap<String, f64>) {
        let out = self.w.path(&format!("night{n}.prom"));
        let run = self.w.run(&[
            "--spec",
            &self.spec,
            "scan",
            "--database-url",
            &self.url,
            "--incremental",
            &self.state,
            "--format",
            "prometheus",
            "--output",
            path_str(&out),
        ]);
        assert!(run.code() <= 1, "night {n}: {}", run.stderr());
        (run.code(), samples(&std::fs::read_to_string(&out).unwrap()))
    }
}

#[test]
fn the_nightly_alert_fires_while_duplicates_remain_and_resolves_once_they_are_cleaned_up() {
    let w = Workdir::new();
    let db = w.path("incident.sqlite");
    std::fs::copy(sample("incident.sqlite"), &db).unwrap();
    let nightly = Nightly {
        spec: repo().join("dupaudit.toml").display().to_string(),
        url: format!("sqlite://{}", db.display()),
        state: w.path("audit-state.json").display().to_string(),
        w,
    };

    // Night 1 audits everything.
    let (code, first) = nightly.night(1);
    assert_eq!(code, 1);
    let exact = value(&first, "dupaudit_groups", "exact");
    assert!(exact >= 90.0, "{first:?}");
    assert_eq!(value(&first, "dupaudit_outstanding_groups", "exact"), exact);
    assert_eq!(
        value(&first, "dupaudit_outstanding_groups", "conflict"),
        8.0
    );

    // During the day the pipeline writes row 2112's result a third time.
    let now = chrono::Utc::now()
        .format("%Y-%m-%d %H:%M:%S%.3f")
        .to_string();
    run_sql(
        &nightly.url,
        &format!(
            "INSERT INTO results (id, operation_name, idempotency_key, attempt_id, payload, created_at) \
             SELECT 900001, operation_name, idempotency_key, attempt_id, payload, '{now}' FROM results WHERE id = 2112"
        ),
    )
    .unwrap();

    // Night 2 audits the day's window: one group in it, but everything found the
    // night before is still there, and the run still fails.
    let (code, second) = nightly.night(2);
    assert_eq!(code, 1, "duplicates remain: {second:?}");
    assert_eq!(value(&second, "dupaudit_groups", "exact"), 1.0);
    assert_eq!(
        value(&second, "dupaudit_outstanding_groups", "exact"),
        exact
    );
    assert_eq!(
        value(&second, "dupaudit_outstanding_groups", "conflict"),
        8.0
    );
    assert_eq!(
        value(&second, "dupaudit_outstanding_surplus_rows", "exact"),
        value(&first, "dupaudit_outstanding_surplus_rows", "exact") + 1.0
    );
    let start = second
        .iter()
        .find(|(s, _)| s.starts_with("dupaudit_window_start_timestamp_seconds"))
        .map(|(_, v)| *v)
        .unwrap();
    assert!(start > 1.7e9, "night 2 audits a window: {second:?}");

    // The on-call engineer cleans up, conflicts included.
    let w = &nightly.w;
    w.run(&[
        "--spec",
        &nightly.spec,
        "plan",
        "--database-url",
        &nightly.url,
        "--resolve-conflicts",
        "completed-attempt,latest",
    ])
    .expect_code(0);
    w.run(&["apply", "plan.json", "--yes"]).expect_code(0);

    // Night 3: nothing new, and nothing left.
    let (code, third) = nightly.night(3);
    assert_eq!(code, 0, "{third:?}");
    assert_eq!(value(&third, "dupaudit_outstanding_groups", "exact"), 0.0);
    assert_eq!(
        value(&third, "dupaudit_outstanding_groups", "conflict"),
        0.0
    );

    // The README's alert rule, over the three nights as a textfile collector
    // scraped them every minute: firing on nights 1 and 2, resolved on night 3.
    let rules = repo().join("docs/alerts.yml");
    let check = Command::new("promtool")
        .args(["check", "rules", path_str(&rules)])
        .output()
        .expect("promtool, from Debian's prometheus package");
    assert!(check.status.success(), "{check:?}");
    let series: Vec<_> = first
        .keys()
        .filter(|s| s.starts_with("dupaudit_outstanding_groups{"))
        .map(|s| {
            let nights: Vec<String> = [&first, &second, &third]
                .iter()
                .map(|m| format!("{}+0x1439", m[s]))
                .collect();
            json!({"series": s, "values": nights.join(" ")})
        })
        .collect();
    let firing = |metrics: &BTreeMap<String, f64>| -> Vec<serde_json::Value> {
        let duplicates: Vec<(&String, &f64)> = metrics
            .iter()
            .filter(|(s, _)| {
                s.starts_with("dupaudit_outstanding_groups{")
                    && (s.contains("class=\"exact\"") || s.contains("class=\"conflict\""))
            })
            .collect();
        let total: f64 = duplicates.iter().map(|(_, v)| **v).sum();
        if total == 0.0 {
            return Vec::new();
        }
        let mut l = labels(duplicates[0].0);
        l.remove("class");
        let summary = format!("Duplicate results in {} ({})", l["results"], l["source"]);
        let description = format!(
            "{total} duplicated keys (exact or conflict) are still in the table. \
             `dupaudit suggest-constraint` prints the plan and apply that remove them."
        );
        l.insert("severity".into(), "ticket".into());
        vec![
            json!({"exp_labels": l, "exp_annotations": {"summary": summary, "description": description}}),
        ]
    };
    let test = json!({
        "rule_files": [rules],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": series,
            "alert_rule_test": [
                {"eval_time": "20h", "alertname": "DupauditDuplicates", "exp_alerts": firing(&first)},
                {"eval_time": "44h", "alertname": "DupauditDuplicates", "exp_alerts": firing(&second)},
                {"eval_time": "68h", "alertname": "DupauditDuplicates", "exp_alerts": []},
            ],
        }],
    });
    assert_eq!(
        firing(&second).len(),
        1,
        "the alert fires on night 2: {second:?}"
    );
    assert!(firing(&third).is_empty());
    let file = w.write("alerts_test.yml", &test.to_string());
    let run = Command::new("promtool")
        .args(["test", "rules", path_str(&file)])
        .output()
        .expect("promtool, from Debian's prometheus package");
    assert!(
        run.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}
