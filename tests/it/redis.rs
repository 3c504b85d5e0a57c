//! A log kept in Redis: the sample incident's log written into Redis in both layouts
//! gives the findings of the same log in SQL; records written by the real
//! aws-lambda-powertools library are read as Powertools writes them; malformed
//! records are reported by key. Runs against the Redis server at 127.0.0.1:6379
//! (`.ci/run` starts it), each test under its own key prefix, deleted afterwards.

use std::collections::BTreeSet;
use std::path::PathBuf;

use dupaudit::findings::{Class, Findings};

use crate::harness::{path_str, repo, sample, Workdir};

const REDIS: &str = "redis://127.0.0.1:6379/0";

/// A key prefix of one test; its keys are deleted when it is dropped.
struct Prefix(String);

impl Prefix {
    fn new(test: &str) -> Prefix {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        Prefix(format!(
            "dupaudit-test:{test}:{}:{nanos}",
            std::process::id()
        ))
    }

    fn conn(&self) -> redis::Connection {
        redis::Client::open(REDIS)
            .and_then(|c| c.get_connection())
            .expect("the Redis server at 127.0.0.1:6379 (.ci/run starts it)")
    }
}

impl Drop for Prefix {
    fn drop(&mut self) {
        let mut conn = self.conn();
        let keys: Vec<String> = redis::cmd("SCAN")
            .cursor_arg(0)
            .arg("MATCH")
            .arg(format!("{}*", self.0))
            .clone()
            .iter(&mut conn)
            .map(|i| i.collect())
            .unwrap_or_default();
        for chunk in keys.chunks(500) {
            let _: Result<u64, _> = redis::cmd("UNLINK").arg(chunk).query(&mut conn);
        }
    }
}

/// Every finding as (class, key, rows, attempts), for comparing two scans.
fn shape(f: &Findings) -> BTreeSet<(String, String, Vec<String>, Vec<String>)> {
    f.findings
        .iter()
        .map(|g| {
            let mut rows: Vec<String> = g.rows.iter().map(|r| r.pk.join(",")).collect();
            rows.sort();
            let mut attempts: Vec<String> = g
                .attempts
                .iter()
                .map(|a| a.attempt.clone().unwrap_or_default())
                .collect();
            attempts.sort();
            (
                g.class.name().to_string(),
                dupaudit::findings::key_text(&g.key),
                rows,
                attempts,
            )
        })
        .collect()
}

/// The sample's spec with its log in Redis under `prefix`, laid out as `layout`.
fn sample_spec(dir: &Workdir, prefix: &str, layout: &str) -> PathBuf {
    let base = std::fs::read_to_string(repo().join("dupaudit.toml")).unwrap();
    let base = base
        .replace(
            "sqlite://sample-data/incident.sqlite",
            &format!("sqlite://{}", path_str(&sample("incident.sqlite"))),
        )
        .replace(
            "processing = [\"PROCESSING\"]",
            "processing = [\"PROCESSING\", \"INPROGRESS\"]",
        );
    dir.write(
        "redis.toml",
        &format!(
            "{base}\n[log.redis]\nlayout = \"{layout}\"\nkey = \"{prefix}:{{operation_name}}#{{idempotency_key}}#{{attempt}}\"\n"
        ),
    )
}

#[test]
fn sample_log_in_redis_gives_the_findings_of_the_log_in_sql_in_both_layouts() {
    let sql = Workdir::scan_json_in_repo(&[]).findings;
    for layout in ["powertools", "hash"] {
        let prefix = Prefix::new(layout);
        let dir = Workdir::new();
        let key = format!(
            "{}:{{operation_name}}#{{idempotency_key}}#{{attempt}}",
            prefix.0
        );
        dir.run(&[
            "load-redis",
            "--log-url",
            REDIS,
            "--layout",
            layout,
            "--key",
            &key,
        ])
        .expect_code(0);
        let spec = sample_spec(&dir, &prefix.0, layout);
        let redis = dir
            .scan_json(&["--spec", path_str(&spec), "--log-url", REDIS])
            .findings;
        assert_eq!(shape(&redis), shape(&sql), "{layout}: the same findings");
        for class in &sql.checked {
            let (a, b) = (sql.summary_of(*class), redis.summary_of(*class));
            assert_eq!(a, b, "{layout}: summary of {class}");
        }
        for class in Class::REDIS_ONLY {
            assert_eq!(redis.summary_of(class).groups, 0, "{layout}: {class}");
        }
        let stats = redis.redis.expect("Redis statistics");
        assert_eq!(
            stats.records, sql.totals.log_rows,
            "{layout}: every log row read"
        );
        assert_eq!(
            stats.without_ttl, stats.records,
            "{layout}: the loader sets no TTL"
        );
    }
}

fn python() -> PathBuf {
    std::env::var_os("DUPAUDIT_POWERTOOLS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/powertools-venv/bin/python"))
}

#[test]
fn records_written_by_aws_lambda_powertools_are_audited() {
    let prefix = Prefix::new("powertools");
    let fixture = repo().join("tests/fixtures/powertools_fixture.py");
    let run = |mode: &str| {
        std::process::Command::new(python())
            .args([path_str(&fixture), "6379", "0", &prefix.0, mode])
            .output()
            .expect("the Powertools venv (.ci/run creates target/powertools-venv)")
    };
    let calls = run("calls");
    assert!(
        calls.status.success(),
        "{}",
        String::from_utf8_lossy(&calls.stderr)
    );
    let keys: std::collections::HashMap<String, String> =
        serde_json::from_slice(&calls.stdout).expect("the fixture prints its keys");
    let timeout = run("timeout");
    assert_eq!(timeout.status.code(), Some(3), "the timed-out call died");
    // The key of o-4 is the md5 of its event key, as for the others.
    let hash = |k: &str| keys[k].rsplit('#').next().unwrap().to_string();
    let o4 = md5_hex("\"o-4\"");
    // Powertools' in-progress expiry is 50 ms after the call began.
    std::thread::sleep(std::time::Duration::from_millis(100));

    let mut conn = prefix.conn();
    let _: () = redis::cmd("SET")
        .arg(format!("{}#notjson", prefix.0))
        .arg("{oops")
        .query(&mut conn)
        .unwrap();

    let now = chrono::Utc::now();
    let recent = (now - chrono::Duration::minutes(1)).to_rfc3339();
    let old = (now - chrono::Duration::hours(3)).to_rfc3339();
    let dir = Workdir::new();
    let results = dir.write(
        "results.csv",
        &format!(
            "id,idempotency_key,payload,created_at\n\
             1,{o1},\"{{\"\"order_id\"\": \"\"o-1\"\", \"\"amount\"\": 10}}\",{recent}\n\
             3,{o3},\"{{\"\"order_id\"\": \"\"o-3\"\", \"\"amount\"\": 30}}\",{recent}\n\
             4,{o4},\"{{\"\"order_id\"\": \"\"o-4\"\", \"\"amount\"\": 41}}\",{recent}\n\
             5,0123456789abcdef0123456789abcdef,\"{{\"\"order_id\"\": \"\"o-5\"\"}}\",{old}\n",
            o1 = hash("o-1"),
            o3 = hash("o-3"),
        ),
    );
    let spec = dir.write(
        "powertools.toml",
        &format!(
            r#"[results]
key = ["idempotency_key"]
attempt = ""
timestamp = "created_at"

[log]
key = ["idempotency_key"]
attempt = ""

[log.statuses]
processing = []
completed = []
failed = []

[log.redis]
layout = "powertools"
key = "{prefix}#{{idempotency_key}}"
ttl = "1h"

[log.redis.validation]
column = "payload"
path = "amount"
"#,
            prefix = prefix.0
        ),
    );
    let report = dir
        .run(&[
            "scan",
            "--spec",
            path_str(&spec),
            "--log-url",
            REDIS,
            "--results-file",
            path_str(&results),
            "--format",
            "json",
            "--fail-on",
            "none",
        ])
        .expect_code(0)
        .report();
    let f = &report.findings;
    assert_eq!(report.source.kind, "csv+redis");
    let keys_of = |class: Class| -> Vec<String> {
        f.of(class)
            .map(|g| dupaudit::findings::key_text(&g.key))
            .collect()
    };
    assert_eq!(
        keys_of(Class::StaleProcessing),
        vec![o4.clone()],
        "stuck INPROGRESS"
    );
    assert_eq!(
        keys_of(Class::ValidationMismatch),
        vec![o4.clone()],
        "amount 41, not 40"
    );
    assert_eq!(
        keys_of(Class::MissingResult),
        vec![hash("o-2")],
        "o-2 wrote nothing"
    );
    assert_eq!(
        keys_of(Class::OrphanResult),
        vec![hash("o-3")],
        "o-3 raised: no record"
    );
    assert_eq!(
        keys_of(Class::ExpiredRecord),
        vec!["0123456789abcdef0123456789abcdef".to_string()],
        "written 3 h ago, records live 1 h"
    );
    let malformed: Vec<&str> = f
        .of(Class::MalformedRecord)
        .map(|g| g.note.as_str())
        .collect();
    assert_eq!(malformed.len(), 1, "{malformed:?}");
    assert!(malformed[0].contains("#notjson") && malformed[0].contains("not JSON"));
    let stats = f.redis.as_ref().unwrap();
    assert_eq!(stats.records, 3, "o-1, o-2 COMPLETED and o-4 INPROGRESS");
    assert_eq!(
        stats.without_ttl, 1,
        "Powertools sets a TTL on every record; only the key written by hand has none"
    );
}

fn md5_hex(text: &str) -> String {
    use md5::Digest;
    format!("{:x}", md5::Md5::digest(text.as_bytes()))
}

#[test]
fn malformed_records_are_reported_by_key_and_the_scan_goes_on() {
    let prefix = Prefix::new("malformed");
    let mut conn = prefix.conn();
    let p = &prefix.0;
    let set = |conn: &mut redis::Connection, k: &str, v: &str| {
        let _: () = redis::cmd("SET")
            .arg(format!("{p}:{k}"))
            .arg(v)
            .query(conn)
            .unwrap();
    };
    set(
        &mut conn,
        "good",
        r#"{"status": "COMPLETED", "expiration": 1}"#,
    );
    set(&mut conn, "text", "not json at all");
    set(&mut conn, "nostatus", r#"{"expiration": 1}"#);
    set(&mut conn, "paused", r#"{"status": "PAUSED"}"#);
    let _: () = redis::cmd("HSET")
        .arg(format!("{p}:ahash"))
        .arg("status")
        .arg("COMPLETED")
        .query(&mut conn)
        .unwrap();
    let dir = Workdir::new();
    let results = dir.write(
        "results.csv",
        "id,idempotency_key,attempt_id,payload,created_at\n1,good,a,{},2026-01-01T00:00:00Z\n",
    );
    let spec = dir.write(
        "spec.toml",
        &format!("[log.redis]\nkey = \"{p}:{{idempotency_key}}\"\n"),
    );
    let run = dir.run(&[
        "scan",
        "--spec",
        path_str(&spec),
        "--log-url",
        REDIS,
        "--results-file",
        path_str(&results),
        "--format",
        "json",
        "--fail-on",
        "malformed-record",
    ]);
    let report = run.expect_code(1).report();
    let f = &report.findings;
    let mut notes: Vec<String> = f
        .of(Class::MalformedRecord)
        .map(|g| g.note.clone())
        .collect();
    notes.sort();
    assert_eq!(notes.len(), 4, "{notes:?}");
    assert!(
        notes[0].starts_with(&format!("{p}:ahash: a redis hash")),
        "{notes:?}"
    );
    assert!(
        notes[1].contains(":nostatus: no `status` attribute"),
        "{notes:?}"
    );
    assert!(
        notes[2].contains(":paused: unknown status `PAUSED`"),
        "{notes:?}"
    );
    assert!(notes[3].contains(":text: not JSON"), "{notes:?}");
    assert_eq!(
        f.redis.as_ref().unwrap().records,
        1,
        "the good record is read"
    );
    assert_eq!(f.summary_of(Class::OrphanResult).groups, 0);
}

#[test]
fn redis_password_never_appears_in_errors() {
    let dir = Workdir::new();
    let results = dir.write(
        "results.csv",
        "id,idempotency_key,attempt_id,payload,created_at\n",
    );
    let spec = dir.write("spec.toml", "[log.redis]\nkey = \"x:{idempotency_key}\"\n");
    // The server has no password: AUTH is refused or ignored; either way the
    // password must not be printed.
    for url in [
        "redis://default:hunter2secret@127.0.0.1:6379/0",
        "rediss://default:hunter2secret@127.0.0.1:6379/0",
    ] {
        let run = dir.run(&[
            "scan",
            "--spec",
            path_str(&spec),
            "--log-url",
            url,
            "--results-file",
            path_str(&results),
        ]);
        assert!(!run.stderr().contains("hunter2secret"), "{}", run.stderr());
        assert!(!run.stdout().contains("hunter2secret"), "{}", run.stdout());
    }
    // Nothing listens on port 1: the error names the server, not the password.
    let run = dir.run(&[
        "scan",
        "--spec",
        path_str(&spec),
        "--log-url",
        "redis://:hunter2secret@127.0.0.1:1/0",
        "--results-file",
        path_str(&results),
    ]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(run.stderr().contains("127.0.0.1:1"), "{}", run.stderr());
}

#[test]
fn key_pattern_that_misses_a_key_column_is_a_spec_error() {
    let dir = Workdir::new();
    let spec = dir.write(
        "spec.toml",
        "[results]\nkey = [\"op\", \"k\"]\n[log]\nkey = [\"op\", \"k\"]\n[log.redis]\nkey = \"idem:{k}\"\n",
    );
    dir.run(&["scan", "--spec", path_str(&spec), "--log-url", REDIS])
        .expect_code(2)
        .stderr_has(&["log.redis.key", "{op}"]);
}
