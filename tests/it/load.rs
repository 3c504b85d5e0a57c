//! `dupaudit load` on PostgreSQL, MariaDB and SQLite: every row arrives as generated,
//! existing tables are refused unless replaced, awkward table names work, and no
//! password is ever printed.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDateTime, Utc};
use dupaudit::generate::load::{load_incident, LoadStats, Tables};
use dupaudit::generate::{generate, GenLog, GenPayload, GenRow, Incident};
use dupaudit::source::redact_url;
use dupaudit::sql::{quote_ident, Dialect};
use dupaudit::Error;
use sqlx::mysql::MySqlConnection;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Row};
use url::Url;

use crate::harness::Workdir;
use crate::servers::{Server, TestDb};

/// The 5,000-row sample, generated once for every test.
fn sample() -> &'static Incident {
    static SAMPLE: OnceLock<Incident> = OnceLock::new();
    SAMPLE.get_or_init(|| generate(42, 5_000))
}

/// Where a test loads: a fresh server database or a SQLite file in a temp folder.
enum Target {
    Server(TestDb),
    Sqlite(Workdir),
}

impl Target {
    fn postgres() -> Target {
        Target::Server(TestDb::new(Server::Postgres))
    }

    fn mysql() -> Target {
        Target::Server(TestDb::new(Server::Mysql))
    }

    fn sqlite() -> Target {
        Target::Sqlite(Workdir::new())
    }

    fn all() -> [Target; 3] {
        [Target::postgres(), Target::mysql(), Target::sqlite()]
    }

    fn url(&self) -> String {
        match self {
            Target::Server(db) => db.url().to_string(),
            Target::Sqlite(w) => format!("sqlite://{}", w.path("incident.sqlite").display()),
        }
    }
}

/// A plain connection to read back what a load wrote.
enum Client {
    Postgres(PgConnection),
    Mysql(MySqlConnection),
    Sqlite(SqliteConnection),
}

impl Client {
    async fn connect(url: &str) -> Client {
        let what = format!("connecting to {url}");
        match url.split(':').next() {
            Some("postgres") => Client::Postgres(must(PgConnection::connect(url).await, &what)),
            Some("mysql") => Client::Mysql(must(MySqlConnection::connect(url).await, &what)),
            _ => Client::Sqlite(must(SqliteConnection::connect(url).await, &what)),
        }
    }

    fn quote(&self, table: &str) -> String {
        let dialect = match self {
            Client::Postgres(_) => Dialect::Postgres,
            Client::Mysql(_) => Dialect::Mysql,
            Client::Sqlite(_) => Dialect::Sqlite,
        };
        quote_ident(dialect, table)
    }

    async fn exec(&mut self, sql: &str) {
        let done = match self {
            Client::Postgres(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
            Client::Mysql(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
            Client::Sqlite(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
        };
        must(done, sql)
    }

    async fn count(&mut self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {}", self.quote(table));
        let n = match self {
            Client::Postgres(c) => sqlx::query_scalar(&sql).fetch_one(c).await,
            Client::Mysql(c) => sqlx::query_scalar(&sql).fetch_one(c).await,
            Client::Sqlite(c) => sqlx::query_scalar(&sql).fetch_one(c).await,
        };
        must(n, &sql)
    }

    /// Every result row, ordered by id, as the generator's type.
    async fn results(&mut self, table: &str) -> Vec<GenRow> {
        let sql = format!(
            "SELECT id, operation_name, idempotency_key, attempt_id, payload, created_at FROM {} ORDER BY id",
            self.quote(table)
        );
        macro_rules! read {
            ($conn:expr, $time:expr) => {
                must(sqlx::query(&sql).fetch_all($conn).await, &sql)
                    .iter()
                    .map(|r| GenRow {
                        id: r.get(0),
                        operation_name: r.get(1),
                        idempotency_key: r.get(2),
                        attempt_id: r.get(3),
                        payload: GenPayload::Text(r.get(4)),
                        created_at: $time(r, 5),
                    })
                    .collect()
            };
        }
        match self {
            Client::Postgres(c) => read!(c, |r: &sqlx::postgres::PgRow,
                                             i: usize|
             -> DateTime<Utc> { r.get(i) }),
            Client::Mysql(c) => read!(c, |r: &sqlx::mysql::MySqlRow, i: usize| {
                r.get::<NaiveDateTime, _>(i).and_utc()
            }),
            Client::Sqlite(c) => read!(c, |r: &sqlx::sqlite::SqliteRow, i: usize| {
                sqlite_time(r.get(i))
            }),
        }
    }

    /// Every log row, in the generator's order (created_at, attempt_id).
    async fn log(&mut self, table: &str) -> Vec<GenLog> {
        let sql = format!(
            "SELECT idempotency_key, attempt_id, operation_name, status, created_at, updated_at FROM {}",
            self.quote(table)
        );
        macro_rules! read {
            ($conn:expr, $time:expr) => {
                must(sqlx::query(&sql).fetch_all($conn).await, &sql)
                    .iter()
                    .map(|r| GenLog {
                        idempotency_key: r.get(0),
                        attempt_id: r.get(1),
                        operation_name: r.get(2),
                        status: status(r.get(3)),
                        created_at: $time(r, 4),
                        updated_at: $time(r, 5),
                    })
                    .collect::<Vec<_>>()
            };
        }
        let mut log = match self {
            Client::Postgres(c) => read!(c, |r: &sqlx::postgres::PgRow,
                                             i: usize|
             -> DateTime<Utc> { r.get(i) }),
            Client::Mysql(c) => read!(c, |r: &sqlx::mysql::MySqlRow, i: usize| {
                r.get::<NaiveDateTime, _>(i).and_utc()
            }),
            Client::Sqlite(c) => read!(c, |r: &sqlx::sqlite::SqliteRow, i: usize| {
                sqlite_time(r.get(i))
            }),
        };
        log.sort_by(|x, y| (x.created_at, &x.attempt_id).cmp(&(y.created_at, &y.attempt_id)));
        log
    }
}

fn must<T>(outcome: Result<T, sqlx::Error>, what: &str) -> T {
    outcome.unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn sqlite_time(text: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.3f")
        .unwrap_or_else(|e| panic!("`{text}` is not a sample timestamp: {e}"))
        .and_utc()
}

fn status(text: &str) -> &'static str {
    ["PROCESSING", "COMPLETED", "FAILED"]
        .into_iter()
        .find(|s| *s == text)
        .unwrap_or_else(|| panic!("`{text}` is not a status the generator writes"))
}

fn expected_stats(incident: &Incident) -> LoadStats {
    LoadStats {
        result_rows: incident.results.len() as u64,
        log_rows: incident.log.len() as u64,
    }
}

/// Loads the sample into `tables` and checks that every row reads back as generated.
async fn loads_row_for_row(url: &str, tables: &Tables) {
    let incident = sample();
    let stats = load_incident(url, incident, tables, false)
        .await
        .unwrap_or_else(|e| panic!("loading {url}: {e}"));
    assert_eq!(stats, expected_stats(incident), "{url}");
    let mut client = Client::connect(url).await;
    let results = client.results(&tables.results).await;
    assert_eq!(results.len(), incident.results.len(), "{url}");
    for (read, written) in results.iter().zip(&incident.results) {
        assert_eq!(read, written, "{url}");
    }
    assert_eq!(client.log(&tables.log).await, incident.log, "{url}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sample_loads_into_postgres_row_for_row() {
    let target = Target::postgres();
    loads_row_for_row(&target.url(), &Tables::default()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sample_loads_into_mariadb_row_for_row() {
    let target = Target::mysql();
    loads_row_for_row(&target.url(), &Tables::default()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sample_loads_into_sqlite_row_for_row() {
    let target = Target::sqlite();
    loads_row_for_row(&target.url(), &Tables::default()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn existing_tables_are_refused_by_name_and_left_alone_unless_replaced() {
    let incident = sample();
    let tables = Tables::default();
    let n = incident.results.len() as i64;
    for target in Target::all() {
        let url = target.url();
        load_incident(&url, incident, &tables, false).await.unwrap();
        let mut client = Client::connect(&url).await;
        // A row the second load would bring back if it wrote anything.
        client
            .exec(&format!(
                "DELETE FROM {} WHERE id = 1",
                client.quote("results")
            ))
            .await;

        let err = load_incident(&url, incident, &tables, false)
            .await
            .expect_err("a second load without replace must fail");
        assert!(
            matches!(&err, Error::TableExists { table, .. } if table == "results"),
            "{url}: {err}"
        );
        assert!(err.to_string().contains("--replace"), "{err}");
        assert_eq!(client.count("results").await, n - 1, "{url}");

        // Only the log left: the error names the log.
        client
            .exec(&format!("DROP TABLE {}", client.quote("results")))
            .await;
        let err = load_incident(&url, incident, &tables, false)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::TableExists { table, .. } if table == "idempotency_log"),
            "{url}: {err}"
        );

        let stats = load_incident(&url, incident, &tables, true).await.unwrap();
        assert_eq!(stats, expected_stats(incident), "{url}");
        assert_eq!(client.count("results").await, n, "{url}");
        assert_eq!(
            client.count("idempotency_log").await,
            incident.log.len() as i64,
            "{url}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_load_leaves_no_tables_behind() {
    let mut broken = sample().clone();
    // The last row repeats the first one's primary key: the failure comes after
    // thousands of rows were written.
    let last = broken.results.len() - 1;
    broken.results[last].id = broken.results[0].id;
    for target in Target::all() {
        let url = target.url();
        let err = load_incident(&url, &broken, &Tables::default(), false)
            .await
            .expect_err("a duplicate primary key must fail the load");
        assert!(
            matches!(err, Error::Query { .. }) && err.to_string().contains("`results`"),
            "{url}: {err}"
        );
        // Nothing is left to replace: a plain load succeeds.
        load_incident(&url, sample(), &Tables::default(), false)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn awkward_table_names_load_on_every_dialect() {
    let tables = Tables {
        results: "we\"ird`; DROP TABLE x; --".into(),
        log: "Mixed Case".into(),
        ..Tables::default()
    };
    for target in Target::all() {
        let url = target.url();
        loads_row_for_row(&url, &tables).await;
        // The default names live beside them: nothing was lower-cased or cut short.
        loads_row_for_row(&url, &Tables::default()).await;
    }
}

#[test]
fn command_line_never_prints_the_password() {
    let w = Workdir::new();
    let postgres = TestDb::new(Server::Postgres);
    // A password the server accepts: the configured one, or any (the local server
    // trusts 127.0.0.1 and ignores it).
    let url = match Url::parse(postgres.url()).unwrap().password() {
        Some(_) => postgres.url().to_string(),
        None => postgres.url_with_password("hunter2-pg"),
    };
    let pg_password = Url::parse(&url).unwrap().password().unwrap().to_string();
    let loaded = w.run(&["load", "--database-url", &url, "--rows", "500"]);
    loaded
        .expect_code(0)
        .stderr_has(&["loaded", &redact_url(&url)]);
    let again = w.run(&["load", "--database-url", &url, "--rows", "500"]);
    again
        .expect_code(2)
        .stderr_has(&["`results`", "--replace", &redact_url(&url)]);

    let mysql = TestDb::new(Server::Mysql);
    let wrong = mysql.url_with_password("hunter2-my");
    let refused = w.run(&["load", "--database-url", &wrong]);
    refused
        .expect_code(3)
        .stderr_has(&["cannot connect", &redact_url(&wrong)]);

    for run in [&loaded, &again, &refused] {
        let all = run.stdout() + &run.stderr();
        assert!(
            !all.contains(&pg_password) && !all.contains("hunter2-my"),
            "{all}"
        );
    }
}
