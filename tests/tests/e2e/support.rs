//! Test harness: one application and one database per test.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use dtihub::{Application, Settings};
use dtihub_service::Store;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;

/// The PostgreSQL server URL tests should create their databases on, if any.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

/// A database private to one test, removed when dropped.
pub enum TestDb {
    /// A SQLite file in a temporary directory.
    Sqlite {
        /// The directory holding the file.
        dir: tempfile::TempDir,
        /// The file path (the database URL).
        url: String,
    },
    /// A database created on the PostgreSQL server.
    Postgres {
        /// URL of the server's maintenance database.
        admin_url: String,
        /// The created database's name.
        name: String,
        /// Its URL.
        url: String,
    },
}

impl TestDb {
    /// Creates the database for the backend this run targets.
    pub fn create() -> Self {
        match postgres_admin_url() {
            Some(admin_url) => {
                let name = format!("dtihub_t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&admin_url).expect("connect to PostgreSQL");
                conn.batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let url = replace_db_name(&admin_url, &name);
                TestDb::Postgres {
                    admin_url,
                    name,
                    url,
                }
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = dir.path().join("dtihub.sqlite3").display().to_string();
                TestDb::Sqlite { dir, url }
            }
        }
    }

    /// The database URL.
    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url,
        }
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }

    /// Runs SQL on the maintenance database (PostgreSQL only).
    pub fn admin_sql(&self, sql: &str) {
        if let TestDb::Postgres { admin_url, .. } = self {
            let mut conn = PgConnection::establish(admin_url).expect("connect admin");
            conn.batch_execute(sql).expect("admin sql");
        }
    }

    /// The PostgreSQL database name.
    pub fn pg_name(&self) -> Option<&str> {
        match self {
            TestDb::Postgres { name, .. } => Some(name),
            TestDb::Sqlite { .. } => None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres {
            admin_url, name, ..
        } = self
        {
            if let Ok(mut conn) = PgConnection::establish(admin_url) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
        if let TestDb::Sqlite { dir, .. } = self {
            let _ = dir.path();
        }
    }
}

/// Replaces the database name (the path) of a PostgreSQL URL, keeping any query string.
fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A running application and the means to talk to it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// A client that keeps no cookies and follows no redirects.
    pub client: reqwest::Client,
    /// The application's store, for arranging and checking state directly.
    pub store: Store,
    /// The database (dropped last).
    pub db: TestDb,
}

/// Starts the application on a fresh database with the demo data.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application after letting the test adjust its settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    init_test_logging();
    let db = TestDb::create();
    let mut settings = Settings::for_tests(db.url());
    adjust(&mut settings);
    let app = Application::build(settings).await.expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let store = app.store().clone();
    tokio::spawn(app.into_server());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    TestApp {
        address,
        client,
        store,
        db,
    }
}

fn init_test_logging() {
    if std::env::var_os("TEST_LOG").is_some() {
        dtihub::telemetry::init(dtihub::settings::LogFormat::Human, "debug");
    }
}

impl TestApp {
    /// A request to a path of the app.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{}", self.address, path))
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path)
            .send()
            .await
            .expect("request")
    }
}

/// Reads a response body as JSON.
pub async fn json(response: Response) -> Value {
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts a problem+json response with a status and code; returns the document.
pub async fn assert_problem(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    assert!(response.headers().contains_key("x-request-id"));
    let body = json(response).await;
    assert_eq!(body["status"], status);
    assert_eq!(body["code"], code, "problem: {body}");
    assert_eq!(body["type"], format!("urn:dtihub:problem:{code}"));
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["detail"].as_str().is_some_and(|t| !t.is_empty()));
    body
}
