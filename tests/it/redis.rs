//! A log kept in Redis: the sample incident's log written into Redis in both layouts
//! gives the findings of the same log in SQL; records written by the real
//! aws-lambda-powertools library are read as Powertools writes them; malformed
//! records are reported by key. Runs against the Redis server at 127.0.0.1:6379
//! (`.ci/run` starts it), each test under its own key prefix, deleted afterwards.

use std::collections::BTreeSet;
use std::path::PathBuf;

use dupaudit::findings::{Class, Findings};

use crate::harness::{path_str, repo, sample, Workdir, AS_OF};
use crate::servers::{Server, TestDb};

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

/// The sample's spec with its log in Redis under `prefix`, laid out as `layout`,
/// read `batch` keys at a time when given.
fn sample_spec(dir: &Workdir, prefix: &str, layout: &str, batch: Option<usize>) -> PathBuf {
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
    let batch = batch.map(|n| format!("batch = {n}\n")).unwrap_or_default();
    dir.write(
        "redis.toml",
        &format!(
            "{base}\n[log.redis]\nlayout = \"{layout}\"\nkey = \"{prefix}:{{operation_name}}#{{idempotency_key}}#{{attempt}}\"\n{batch}"
        ),
    )
}

/// Writes the sample's log into Redis under `prefix` with `load-redis`.
fn load_sample(dir: &Workdir, prefix: &Prefix, layout: &str) {
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
}

/// The findings of the log in Redis are those of the log in SQL, class by class.
fn same_classes(sql: &Findings, redis: &Findings, what: &str) {
    let (a, b) = (shape(sql), shape(redis));
    let only_sql: Vec<_> = a.difference(&b).collect();
    let only_redis: Vec<_> = b.difference(&a).collect();
    assert!(
        only_sql.is_empty() && only_redis.is_empty(),
        "{what}: the same findings; only with the log in SQL: {only_sql:?}; only in Redis: {only_redis:?}"
    );
    for class in &sql.checked {
        let (a, b) = (sql.summary_of(*class), redis.summary_of(*class));
        assert_eq!(a, b, "{what}: summary of {class}");
    }
    for class in Class::REDIS_ONLY {
        assert_eq!(redis.summary_of(class).groups, 0, "{what}: {class}");
    }
}

/// [`same_classes`], and every log row of the whole log read as a record.
fn assert_same_findings(sql: &Findings, redis: &Findings, what: &str) {
    same_classes(sql, redis, what);
    let stats = redis.redis.as_ref().expect("Redis statistics");
    assert_eq!(
        Some(stats.records),
        sql.totals.log_rows,
        "{what}: every log row read"
    );
    assert_eq!(
        stats.without_ttl, stats.records,
        "{what}: the loader sets no TTL"
    );
}

#[test]
fn sample_log_in_redis_gives_the_findings_of_the_log_in_sql_in_both_layouts() {
    let sql = Workdir::scan_json_in_repo(&[]).findings;
    for layout in ["powertools", "hash"] {
        let prefix = Prefix::new(layout);
        let dir = Workdir::new();
        load_sample(&dir, &prefix, layout);
        let spec = sample_spec(&dir, &prefix.0, layout, None);
        let redis = dir
            .scan_json(&["--spec", path_str(&spec), "--log-url", REDIS])
            .findings;
        assert_same_findings(&sql, &redis, layout);
    }
}

/// An incident keyed by a `uuid` column, its results in PostgreSQL: its log written
/// into Redis by `load-redis --key-type uuid` (records named by the key alone) gives
/// the findings of its log in the database, read seven keys a batch.
#[test]
fn a_uuid_keyed_incident_with_its_log_in_redis_gives_the_findings_of_its_log_in_sql() {
    uuid_keyed_incident_in_redis(Server::Postgres, "uuid");
}

#[test]
fn a_uuid_keyed_incident_in_mariadb_with_its_log_in_redis_gives_the_findings_of_its_log_in_sql() {
    uuid_keyed_incident_in_redis(Server::Mysql, "uuid-maria");
}

/// A generated incident keyed by uuid, loaded into `server`, audited with its log in
/// SQL and again with its log in Redis under `name`: the same findings.
fn uuid_keyed_incident_in_redis(server: Server, name: &str) {
    let db = TestDb::new(server);
    let dir = Workdir::new();
    let spec = dir.path("uuid.toml");
    dir.run(&[
        "load",
        "--database-url",
        db.url(),
        "--rows",
        "400",
        "--key-type",
        "uuid",
        "--write-spec",
        path_str(&spec),
    ])
    .expect_code(0);
    let base = std::fs::read_to_string(&spec).unwrap().replace(
        "processing = [\"PROCESSING\"]",
        "processing = [\"PROCESSING\", \"INPROGRESS\"]",
    );
    std::fs::write(&spec, &base).unwrap();
    let sql = dir
        .scan_json(&["--spec", path_str(&spec), "--database-url", db.url()])
        .findings;

    let prefix = Prefix::new(name);
    let key = format!("{}:{{idempotency_key}}#{{attempt}}", prefix.0);
    dir.run(&[
        "load-redis",
        "--log-url",
        REDIS,
        "--rows",
        "400",
        "--key-type",
        "uuid",
        "--key",
        &key,
    ])
    .expect_code(0);
    let in_redis = dir.write(
        "uuid-redis.toml",
        &format!("{base}\n[log.redis]\nlayout = \"powertools\"\nkey = \"{key}\"\nbatch = 7\n"),
    );
    let redis = dir
        .scan_json(&[
            "--spec",
            path_str(&in_redis),
            "--database-url",
            db.url(),
            "--log-url",
            REDIS,
        ])
        .findings;
    assert!(
        sql.findings.len() > 10,
        "the incident has findings: {}",
        sql.findings.len()
    );
    assert_same_findings(&sql, &redis, "uuid keys");
}

/// Seven keys a batch: a key's records and rows fall into different batches, the
/// lookups of rows by key run in chunks of seven, and the findings do not change,
/// with the results in SQLite or in PostgreSQL.
#[test]
fn sample_log_in_redis_read_seven_keys_at_a_time_gives_the_same_findings_and_totals() {
    let sql = Workdir::scan_json_in_repo(&[]).findings;
    let pg = TestDb::new(Server::Postgres);
    Workdir::new()
        .run(&["load", "--database-url", pg.url()])
        .expect_code(0);
    for layout in ["powertools", "hash"] {
        let prefix = Prefix::new(layout);
        let dir = Workdir::new();
        load_sample(&dir, &prefix, layout);
        let spec = sample_spec(&dir, &prefix.0, layout, Some(7));
        for (results, extra) in [
            ("sqlite", vec![]),
            ("postgres", vec!["--database-url", pg.url()]),
        ] {
            let mut args = vec!["--spec", path_str(&spec), "--log-url", REDIS];
            args.extend(extra);
            let redis = dir.scan_json(&args).findings;
            let what = format!("{layout}, results in {results}, batch 7");
            assert_same_findings(&sql, &redis, &what);
            assert_eq!(redis.totals, sql.totals, "{what}: totals");
            assert_eq!(redis.window, sql.window, "{what}: window");
            let stats = redis.redis.as_ref().unwrap();
            assert_eq!(stats.vanished + stats.changed, 0, "{what}: nothing changed");
        }
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

/// One RESP command (an array of bulk strings) at the start of `buf`: its arguments
/// and its length in bytes; `None` until it has fully arrived.
fn resp_command(buf: &[u8]) -> Option<(Vec<Vec<u8>>, usize)> {
    let line = |at: usize| -> Option<(usize, usize)> {
        let end = at + buf.get(at..)?.windows(2).position(|w| w == b"\r\n")?;
        let n = std::str::from_utf8(&buf[at + 1..end]).ok()?.parse().ok()?;
        Some((n, end + 2))
    };
    if buf.is_empty() {
        return None;
    }
    assert_eq!(buf[0], b'*', "clients send commands as arrays");
    let (count, mut at) = line(0)?;
    let mut args = Vec::with_capacity(count);
    for _ in 0..count {
        let (len, start) = line(at)?;
        if buf.len() < start + len + 2 {
            return None;
        }
        args.push(buf[start..start + len].to_vec());
        at = start + len + 2;
    }
    Some((args, at))
}

/// A TCP proxy in front of the Redis server that makes a race deterministic: the
/// first time a client sends a pipeline that reads at least three records under
/// `prefix` (`GET`, `MGET` or `HGETALL`), it deletes two of those keys and replaces the third
/// by a list, on a connection of its own, before it forwards the reads. The client
/// has by then seen the keys in `SCAN`; the reads find them gone or of another
/// type, as when a record expires or is rewritten mid-scan. With `restore`, when the
/// client then asks the list's `TYPE`, the proxy first puts the record back: the key
/// has changed type between the two reads.
/// A retyped record's name and value, kept to put it back.
type Saved = (String, Vec<u8>);

struct Meddler {
    port: u16,
    deleted: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    retyped: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Meddler {
    fn start(prefix: &str, restore: bool) -> Meddler {
        use std::io::{Read, Write};
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Arc, Mutex};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let deleted = Arc::new(Mutex::new(Vec::new()));
        let retyped = Arc::new(Mutex::new(Vec::new()));
        let done = Arc::new(AtomicBool::new(false));
        let (d, r, prefix) = (deleted.clone(), retyped.clone(), prefix.to_string());
        // The retyped record's value, until its TYPE is asked (with `restore`).
        let saved: Arc<Mutex<Option<Saved>>> = Arc::new(Mutex::new(None));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { return };
                let mut server = std::net::TcpStream::connect("127.0.0.1:6379").unwrap();
                let (mut from_server, mut to_client) =
                    (server.try_clone().unwrap(), client.try_clone().unwrap());
                std::thread::spawn(move || std::io::copy(&mut from_server, &mut to_client));
                let (d, r, done, prefix) = (d.clone(), r.clone(), done.clone(), prefix.clone());
                let saved = saved.clone();
                std::thread::spawn(move || {
                    let mut buf: Vec<u8> = Vec::new();
                    let mut chunk = [0u8; 65536];
                    loop {
                        let n = match client.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        buf.extend_from_slice(&chunk[..n]);
                        let mut complete = 0;
                        let mut reads: Vec<String> = Vec::new();
                        let mut typed: Vec<String> = Vec::new();
                        while let Some((args, len)) = resp_command(&buf[complete..]) {
                            complete += len;
                            let verb = String::from_utf8_lossy(&args[0]).to_uppercase();
                            let Some(key) = args.get(1) else {
                                continue;
                            };
                            let key = String::from_utf8_lossy(key).into_owned();
                            match verb.as_str() {
                                "GET" | "HGETALL" if key.starts_with(&prefix) => reads.push(key),
                                "MGET" => reads.extend(
                                    args[1..]
                                        .iter()
                                        .map(|k| String::from_utf8_lossy(k).into_owned())
                                        .filter(|k| k.starts_with(&prefix)),
                                ),
                                "TYPE" => typed.push(key),
                                _ => {}
                            }
                        }
                        let conn = || {
                            redis::Client::open(REDIS)
                                .and_then(|c| c.get_connection())
                                .unwrap()
                        };
                        // Taken out of the lock first: it is locked again to put back.
                        let pending = saved.lock().unwrap().take();
                        if let Some((key, value)) = pending {
                            if typed.contains(&key) {
                                let _: () = redis::pipe()
                                    .atomic()
                                    .cmd("DEL")
                                    .arg(&key)
                                    .ignore()
                                    .cmd("SET")
                                    .arg(&key)
                                    .arg(value)
                                    .ignore()
                                    .query(&mut conn())
                                    .unwrap();
                            } else {
                                *saved.lock().unwrap() = Some((key, value));
                            }
                        }
                        if reads.len() >= 3 && !done.swap(true, Ordering::SeqCst) {
                            let mut conn = conn();
                            for key in &reads[..2] {
                                let n: u64 = redis::cmd("DEL").arg(key).query(&mut conn).unwrap();
                                assert_eq!(n, 1, "{key} existed");
                                d.lock().unwrap().push(key.clone());
                            }
                            let key = &reads[2];
                            if restore {
                                let value: Vec<u8> =
                                    redis::cmd("GET").arg(key).query(&mut conn).unwrap();
                                *saved.lock().unwrap() = Some((key.clone(), value));
                            }
                            let _: () = redis::pipe()
                                .atomic()
                                .cmd("DEL")
                                .arg(key)
                                .ignore()
                                .cmd("RPUSH")
                                .arg(key)
                                .arg("not a record")
                                .ignore()
                                .query(&mut conn)
                                .unwrap();
                            r.lock().unwrap().push(key.clone());
                        }
                        if server.write_all(&buf[..complete]).is_err() {
                            return;
                        }
                        buf.drain(..complete);
                    }
                });
            }
        });
        Meddler {
            port,
            deleted,
            retyped,
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

/// Scans the sample's log in Redis through a [`Meddler`]: the report, and the keys
/// the proxy deleted and retyped.
fn meddled_scan(name: &str, restore: bool) -> (dupaudit::report::Report, Vec<String>, Vec<String>) {
    let prefix = Prefix::new(name);
    let dir = Workdir::new();
    load_sample(&dir, &prefix, "powertools");
    let spec = sample_spec(&dir, &prefix.0, "powertools", Some(7));
    let meddler = Meddler::start(&prefix.0, restore);
    let report = dir.scan_json(&["--spec", path_str(&spec), "--log-url", &meddler.url()]);
    let deleted = meddler.deleted.lock().unwrap().clone();
    let retyped = meddler.retyped.lock().unwrap().clone();
    assert_eq!((deleted.len(), retyped.len()), (2, 1), "the proxy meddled");
    (report, deleted, retyped)
}

#[test]
fn records_deleted_or_retyped_mid_scan_are_counted_and_the_scan_goes_on() {
    let sql = Workdir::scan_json_in_repo(&[]).findings;
    let (report, deleted, retyped) = meddled_scan("midscan", false);
    let stats = report.findings.redis.as_ref().unwrap();
    assert_eq!(stats.vanished, deleted.len() as u64, "{stats:?}");
    // A record that is a list when it is read is no record.
    let listed: Vec<(&str, &str)> = stats
        .malformed
        .iter()
        .map(|m| (m.redis_key.as_str(), m.reason.as_str()))
        .collect();
    assert_eq!(
        listed,
        vec![(
            retyped[0].as_str(),
            "a redis list, but the powertools layout keeps a string"
        )],
        "{stats:?}"
    );
    assert_eq!(stats.changed, 0, "{stats:?}");
    assert_eq!(
        Some(stats.records + stats.vanished + 1),
        sql.totals.log_rows,
        "every other record read: {stats:?}"
    );
}

#[test]
fn a_record_whose_type_changes_between_reads_is_counted_as_changed() {
    let sql = Workdir::scan_json_in_repo(&[]).findings;
    let (report, deleted, _) = meddled_scan("retyped", true);
    let stats = report.findings.redis.as_ref().unwrap();
    assert_eq!(stats.vanished, deleted.len() as u64, "{stats:?}");
    assert_eq!(stats.changed, 1, "{stats:?}");
    assert!(stats.malformed.is_empty(), "{stats:?}");
    assert_eq!(
        Some(stats.records + stats.vanished + stats.changed),
        sql.totals.log_rows,
        "every other record read: {stats:?}"
    );
}

/// A redis-server of this test's own, on a free port, that requires a password
/// (and, with `tls`, speaks only TLS with a certificate from a CA made for it);
/// stopped when dropped.
struct OwnRedis {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

const OWN_PASSWORD: &str = "s3cr3t-redis-pw";

impl OwnRedis {
    fn start(tls: bool) -> OwnRedis {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut args: Vec<String> = vec![
            "--bind".into(),
            "127.0.0.1".into(),
            "--requirepass".into(),
            OWN_PASSWORD.into(),
            "--save".into(),
            "".into(),
            "--appendonly".into(),
            "no".into(),
            "--dir".into(),
            path_str(dir.path()).into(),
        ];
        if tls {
            let d = dir.path();
            let openssl = |args: &[&str]| {
                let out = std::process::Command::new("openssl")
                    .args(args)
                    .current_dir(d)
                    .output()
                    .expect("openssl");
                assert!(
                    out.status.success(),
                    "openssl {args:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            };
            std::fs::write(
                d.join("server.ext"),
                "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
            )
            .unwrap();
            openssl(&[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "1",
                "-subj",
                "/CN=dupaudit test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ]);
            openssl(&[
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=127.0.0.1",
            ]);
            openssl(&[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.crt",
                "-days",
                "1",
                "-extfile",
                "server.ext",
            ]);
            for (flag, value) in [
                ("--port", "0".to_string()),
                ("--tls-port", port.to_string()),
                ("--tls-cert-file", "server.crt".into()),
                ("--tls-key-file", "server.key".into()),
                ("--tls-ca-cert-file", "ca.crt".into()),
                ("--tls-auth-clients", "no".into()),
            ] {
                args.push(flag.into());
                args.push(match value.ends_with(".crt") || value.ends_with(".key") {
                    true => path_str(&d.join(&value)).to_string(),
                    false => value,
                });
            }
        } else {
            args.push("--port".into());
            args.push(port.to_string());
        }
        let child = std::process::Command::new("redis-server")
            .args(&args)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server on the PATH");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "redis-server did not listen on {port}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        OwnRedis { child, port, dir }
    }

    fn url(&self, scheme: &str, password: Option<&str>) -> String {
        let auth = password.map(|p| format!(":{p}@")).unwrap_or_default();
        format!("{scheme}://{auth}127.0.0.1:{}/0", self.port)
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Audits the sample through `server`'s `url` (with `extra` arguments) and checks that
/// the password shows nowhere, in any output format.
fn audit_sample_through(url: &str, extra: &[&str]) -> Findings {
    let dir = Workdir::new();
    let mut load = vec!["load-redis", "--log-url", url, "--layout", "hash"];
    load.extend_from_slice(extra);
    let run = dir.run(&load);
    run.expect_code(0);
    assert!(!run.stdout().contains(OWN_PASSWORD) && !run.stderr().contains(OWN_PASSWORD));
    let spec = sample_spec(&dir, "dupaudit", "hash", None);
    let mut findings = None;
    for format in ["json", "table", "markdown", "prometheus"] {
        let mut args = vec![
            "scan",
            "--spec",
            path_str(&spec),
            "--log-url",
            url,
            "--format",
            format,
            "--fail-on",
            "none",
            "--as-of",
            AS_OF,
        ];
        args.extend_from_slice(extra);
        let run = dir.run(&args);
        run.expect_code(0);
        assert!(
            !run.stdout().contains(OWN_PASSWORD),
            "{format}: {}",
            run.stdout()
        );
        assert!(
            !run.stderr().contains(OWN_PASSWORD),
            "{format}: {}",
            run.stderr()
        );
        if format == "json" {
            findings = Some(run.report().findings);
        }
    }
    findings.unwrap()
}

/// Runs a scan of the sample through `url` that must fail to connect, and returns
/// its stderr, which must name the server but not the password.
fn refused(url: &str, extra: &[&str]) -> String {
    let dir = Workdir::new();
    let spec = sample_spec(&dir, "dupaudit", "hash", None);
    let mut args = vec!["scan", "--spec", path_str(&spec), "--log-url", url];
    args.extend_from_slice(extra);
    let run = dir.run(&args);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(!run.stderr().contains(OWN_PASSWORD), "{}", run.stderr());
    assert!(!run.stdout().contains(OWN_PASSWORD), "{}", run.stdout());
    run.stderr()
}

#[test]
fn a_redis_that_requires_a_password_is_audited_and_the_password_never_shows() {
    let sql = Workdir::scan_json_in_repo(&[]).findings;
    let server = OwnRedis::start(false);
    let redis = audit_sample_through(&server.url("redis", Some(OWN_PASSWORD)), &[]);
    assert_same_findings(&sql, &redis, "AUTH");
    let stderr = refused(&server.url("redis", None), &[]);
    assert!(
        stderr.contains("NOAUTH") || stderr.contains("uthentication"),
        "{stderr}"
    );
    let stderr = refused(&server.url("redis", Some("wrong-password")), &[]);
    assert!(!stderr.contains("wrong-password"), "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{}", server.port)),
        "{stderr}"
    );
}

#[test]
fn a_redis_over_tls_with_a_private_ca_is_audited_with_log_ca() {
    let sql = Workdir::scan_json_in_repo(&[]).findings;
    let server = OwnRedis::start(true);
    let url = server.url("rediss", Some(OWN_PASSWORD));
    let ca = server.ca();
    let redis = audit_sample_through(&url, &["--log-ca", path_str(&ca)]);
    assert_same_findings(&sql, &redis, "TLS and AUTH");
    // The server's CA is not in the system's trust store: refused without --log-ca.
    let stderr = refused(&url, &[]);
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
    // Plain text to a TLS port gets no answer a client can read.
    refused(
        &server.url("redis", Some(OWN_PASSWORD)),
        &["--connect-timeout", "2s"],
    );
}

/// The story of `key` as `explain --format json` tells it.
fn story(dir: &Workdir, key: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["explain", key, "--format", "json", "--as-of", AS_OF];
    args.extend(extra);
    let run = dir.run(&args);
    run.expect_code(0);
    serde_json::from_str(&run.stdout()).expect("a story")
}

/// The plan `plan` writes into `dir`, as JSON.
fn plan(dir: &Workdir, extra: &[&str]) -> serde_json::Value {
    let out = dir.path("plan.json");
    let mut args = vec!["plan", "--output", path_str(&out)];
    args.extend(extra);
    dir.run(&args).expect_code(0);
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).expect("a plan")
}

/// `explain` and `plan` with the log in Redis read its records, not the log table
/// that sits beside the results: with no record in Redis a key's story has no
/// attempt and no keeper is chosen by its completed attempt; with the sample's
/// records both tell what they tell with the log in SQL; and a record changed in
/// Redis changes the story.
#[test]
fn explain_and_plan_with_the_log_in_redis_read_its_records() {
    let key = "summarize/req-0000001-9188";
    let in_sql = Workdir::new();
    let spec_sql = repo().join("dupaudit.toml");
    let sql_story = story(&in_sql, key, &["--spec", path_str(&spec_sql)]);
    let sql_plan = plan(&in_sql, &["--spec", path_str(&spec_sql)]);

    let prefix = Prefix::new("explain");
    let dir = Workdir::new();
    let spec = sample_spec(&dir, &prefix.0, "hash", None);
    let args = ["--spec", path_str(&spec), "--log-url", REDIS];
    let attempts = |s: &serde_json::Value| -> Vec<String> {
        s["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["text"].as_str().unwrap().to_string())
            .filter(|t| t.starts_with("attempt "))
            .collect()
    };

    let empty = story(&dir, key, &args);
    assert_eq!(
        attempts(&empty),
        Vec::<String>::new(),
        "no record, no attempt"
    );
    let decided = |p: &serde_json::Value| p["summary"]["decided_by"].clone();
    let empty_plan = plan(&dir, &args);
    assert!(
        empty_plan["summary"]["decided_by"]["completed-attempt"].is_null(),
        "no record, no keeper by its attempt: {}",
        decided(&empty_plan)
    );

    load_sample(&dir, &prefix, "hash");
    let loaded = story(&dir, key, &args);
    assert_eq!(loaded["events"], sql_story["events"], "the records' story");
    assert_eq!(loaded["findings"], sql_story["findings"]);
    let loaded_plan = plan(&dir, &args);
    assert_eq!(decided(&loaded_plan), decided(&sql_plan));
    assert_eq!(
        loaded_plan["groups"], sql_plan["groups"],
        "the same keepers"
    );

    // att-00000002 completed; its record now says it failed.
    let mut conn = prefix.conn();
    let name = format!("{}:summarize#req-0000001-9188#att-00000002", prefix.0);
    let _: () = redis::cmd("HSET")
        .arg(&name)
        .arg("status")
        .arg("FAILED")
        .query(&mut conn)
        .unwrap();
    let changed = story(&dir, key, &args);
    assert!(
        attempts(&changed)
            .iter()
            .any(|t| t == "attempt att-00000002 marked FAILED"),
        "{:?}",
        attempts(&changed)
    );
}

/// A window and an incremental audit with the log in Redis give what they give
/// with the log in SQL, night after night; the hash layout keeps the records'
/// times, which a window reads.
#[test]
fn windows_and_incremental_runs_with_the_log_in_redis_match_the_log_in_sql() {
    let prefix = Prefix::new("window");
    let dir = Workdir::new();
    load_sample(&dir, &prefix, "hash");
    let spec = sample_spec(&dir, &prefix.0, "hash", Some(11));
    let window = [
        "--since",
        "2026-10-14T16:30:00Z",
        "--until",
        "2026-10-14T18:00:00Z",
    ];
    let sql = Workdir::scan_json_in_repo(&window).findings;
    let mut args = vec!["--spec", path_str(&spec), "--log-url", REDIS];
    args.extend(window);
    let redis = dir.scan_json(&args).findings;
    same_classes(&sql, &redis, "window");
    assert_eq!(redis.totals, sql.totals, "the window's totals");
    let whole = Workdir::scan_json_in_repo(&[]).findings;
    assert!(
        redis.totals.result_rows < whole.totals.result_rows,
        "a part of the table"
    );

    let (sql_state, redis_state) = (dir.path("sql.state"), dir.path("redis.state"));
    for until in ["2026-10-14T17:00:00Z", "2026-10-31T00:00:00Z"] {
        let night = ["--until", until, "--incremental"];
        let mut a: Vec<&str> = night.to_vec();
        a.push(path_str(&sql_state));
        let sql = Workdir::scan_json_in_repo(&a).findings;
        let mut b: Vec<&str> = vec!["--spec", path_str(&spec), "--log-url", REDIS];
        b.extend(night);
        b.push(path_str(&redis_state));
        let redis = dir.scan_json(&b).findings;
        same_classes(&sql, &redis, &format!("night until {until}"));
        assert_eq!(redis.totals, sql.totals, "night until {until}: totals");
    }
}

#[test]
fn partitions_are_refused_with_the_log_in_redis() {
    let prefix = Prefix::new("partitions");
    let dir = Workdir::new();
    let spec = sample_spec(&dir, &prefix.0, "hash", None);
    let spec = path_str(&spec);
    dir.run(&[
        "scan",
        "--spec",
        spec,
        "--log-url",
        REDIS,
        "--partitions",
        "2",
    ])
    .expect_code(2)
    .stderr_has(&["--partitions", "Redis"]);
}
