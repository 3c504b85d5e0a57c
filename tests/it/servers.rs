//! Fresh databases on the test servers, one per test, as `#[sqlx::test]` makes them.
//!
//! In: the server URLs in `DUPAUDIT_TEST_POSTGRES` and `DUPAUDIT_TEST_MYSQL` (defaults:
//! the local servers, `postgres://postgres@127.0.0.1:5432/postgres` and
//! `mysql://root@127.0.0.1:3306/test`). Out: a [`TestDb`] holding the URL of a new,
//! empty database; dropping the guard drops the database.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use dupaudit::sql::{quote_ident, Dialect};
use sqlx::{ConnectOptions, Connection};

/// A database server the tests run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Postgres,
    Mysql,
}

impl Server {
    /// The variable naming the server.
    fn var(self) -> &'static str {
        match self {
            Server::Postgres => "DUPAUDIT_TEST_POSTGRES",
            Server::Mysql => "DUPAUDIT_TEST_MYSQL",
        }
    }

    /// The admin URL: a database that exists and a user that may create databases.
    fn admin_url(self) -> String {
        let default = match self {
            Server::Postgres => "postgres://postgres@127.0.0.1:5432/postgres",
            Server::Mysql => "mysql://root@127.0.0.1:3306/test",
        };
        std::env::var(self.var()).unwrap_or_else(|_| default.to_string())
    }

    fn dialect(self) -> Dialect {
        match self {
            Server::Postgres => Dialect::Postgres,
            Server::Mysql => Dialect::Mysql,
        }
    }
}

/// A database created for one test and dropped with the guard.
pub struct TestDb {
    server: Server,
    admin: String,
    name: String,
    url: String,
}

impl TestDb {
    /// Creates `dupaudit_t_<pid>_<counter>_<nanos>` on `server`. Works from plain and
    /// async tests alike: the admin work runs on a thread of its own.
    pub fn new(server: Server) -> TestDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .subsec_nanos();
        let name = format!(
            "dupaudit_t_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let admin = server.admin_url();
        let mut url = url::Url::parse(&admin).expect("the test server URL parses");
        url.set_path(&format!("/{name}"));
        let create = format!("CREATE DATABASE {}", quote_ident(server.dialect(), &name));
        admin_sql(server, &admin, &create);
        TestDb {
            server,
            admin,
            name,
            url: url.to_string(),
        }
    }

    /// The name of the fresh database.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL of the fresh database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The same URL with a password in it.
    pub fn url_with_password(&self, password: &str) -> String {
        let mut url = url::Url::parse(&self.url).expect("the test database URL parses");
        url.set_password(Some(password))
            .expect("the test server URL has a host");
        url.to_string()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // FORCE (PostgreSQL 13+): a connection a failed test left open must not keep
        // the database alive.
        let drop = match self.server {
            Server::Postgres => format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(Dialect::Postgres, &self.name)
            ),
            Server::Mysql => format!(
                "DROP DATABASE IF EXISTS {}",
                quote_ident(Dialect::Mysql, &self.name)
            ),
        };
        admin_sql(self.server, &self.admin, &drop);
    }
}

/// Runs one statement on the admin connection, on a fresh thread and runtime so that
/// it can be called from inside a test's own runtime (and from `Drop`).
fn admin_sql(server: Server, admin: &str, statement: &str) {
    let (admin, sql) = (admin.to_string(), statement.to_string());
    let outcome = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the admin connection");
        runtime.block_on(async {
            match server {
                Server::Postgres => {
                    let mut conn = admin
                        .parse::<sqlx::postgres::PgConnectOptions>()?
                        .connect()
                        .await?;
                    sqlx::raw_sql(&sql).execute(&mut conn).await?;
                    conn.close().await
                }
                Server::Mysql => {
                    let mut conn = admin
                        .parse::<sqlx::mysql::MySqlConnectOptions>()?
                        .connect()
                        .await?;
                    sqlx::raw_sql(&sql).execute(&mut conn).await?;
                    conn.close().await
                }
            }
        })
    })
    .join()
    .expect("the admin thread does not panic");
    if let Err(e) = outcome {
        // A failed drop while a test is already failing would abort the process and
        // hide the test's own message.
        if std::thread::panicking() {
            eprintln!("{statement}: {e}");
        } else {
            panic!(
                "{statement} on the {server:?} test server failed ({e}); set {} to a server where this user may create databases",
                server.var()
            );
        }
    }
}

/// Runs `statement` (one or several, `;`-separated) on `url` with a connection of its
/// own, on a thread of its own; returns the database's error, if any.
pub fn run_sql(url: &str, statement: &str) -> Result<(), String> {
    let statement = statement.to_string();
    with_connection(url, move |mut c| async move {
        let done = sqlx::raw_sql(&statement).execute(&mut c).await;
        (c, done.map(|_| ()))
    })
}

/// The first column of the first row of `query` on `url`, as an integer.
pub fn query_i64(url: &str, query: &str) -> Result<i64, String> {
    let query = query.to_string();
    with_connection(url, move |mut c| async move {
        let value = sqlx::query_scalar::<_, i64>(&query).fetch_one(&mut c).await;
        (c, value)
    })
}

/// Runs `work` on a connection of its own to `url`, on a thread and runtime of its
/// own so that plain and async tests alike can call it, then closes the connection
/// `work` hands back with its outcome.
fn with_connection<T, W, F>(url: &str, work: W) -> Result<T, String>
where
    T: Send + 'static,
    W: FnOnce(sqlx::AnyConnection) -> F + Send + 'static,
    F: std::future::Future<Output = (sqlx::AnyConnection, Result<T, sqlx::Error>)>,
{
    let url = url.to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for a test connection");
        rt.block_on(async {
            sqlx::any::install_default_drivers();
            let c = sqlx::AnyConnection::connect(&url)
                .await
                .map_err(|e| e.to_string())?;
            let (c, done) = work(c).await;
            c.close().await.map_err(|e| e.to_string())?;
            done.map_err(|e| e.to_string())
        })
    })
    .join()
    .expect("the test connection thread does not panic")
}

/// Runs one query on `url` with a connection of its own and returns every cell as
/// text (the query casts what is not text already).
pub fn query(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for a test connection");
        rt.block_on(async {
            use sqlx::Row;
            sqlx::any::install_default_drivers();
            let mut c = sqlx::AnyConnection::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
            let rows = sqlx::query(&sql)
                .fetch_all(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            let out = rows
                .iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| {
                            r.try_get::<Option<String>, _>(i).unwrap_or_else(|_| {
                                r.try_get::<Option<Vec<u8>>, _>(i)
                                    .expect("a text or bytes cell")
                                    .map(|b| String::from_utf8(b).expect("UTF-8 text"))
                            })
                        })
                        .collect()
                })
                .collect();
            let _ = c.close().await;
            out
        })
    })
    .join()
    .expect("the test connection thread does not panic")
}
