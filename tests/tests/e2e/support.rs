//! Test harness: one application and one database per test.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use dtihub::{Application, Settings};
pub use dtihub_domain::access::Role;
use dtihub_service::demo::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD};
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
            Some(admin_url) => Self::create_on(admin_url),
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = dir.path().join("dtihub.sqlite3").display().to_string();
                TestDb::Sqlite { dir, url }
            }
        }
    }

    /// Creates a fresh database on a given PostgreSQL server (its maintenance database URL).
    pub fn create_on(admin_url: String) -> Self {
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
    /// Access tokens already obtained, by principal.
    tokens: Mutex<HashMap<Who, String>>,
    /// The database (dropped last).
    pub db: TestDb,
}

/// A caller of the API in tests: nobody, a demo user of a role, or the demo commune client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    /// No token at all.
    Anonymous,
    /// The demo user holding this role.
    User(Role),
    /// `demo-tram-chim`, bound to XA-TRAM-CHIM, with catalog:read reports:read reports:write.
    CommuneClient,
}

impl Who {
    /// Every caller the access tests walk.
    pub const ALL: [Who; 7] = [
        Who::Anonymous,
        Who::User(Role::Admin),
        Who::User(Role::Coordinator),
        Who::User(Role::Viewer),
        Who::User(Role::UnitReporter),
        Who::User(Role::UnitApprover),
        Who::CommuneClient,
    ];

    /// The caller's own unit (demo data), if it has one.
    pub fn own_unit(self) -> Option<&'static str> {
        match self {
            Who::User(Role::Coordinator) => Some("SO-KHCN"),
            Who::User(Role::UnitReporter | Role::UnitApprover) | Who::CommuneClient => {
                Some("XA-TRAM-CHIM")
            }
            _ => None,
        }
    }
}

/// The demo username of a role.
pub fn demo_username(role: Role) -> &'static str {
    match role {
        Role::Admin => "demo-admin",
        Role::Coordinator => "demo-coordinator",
        Role::Viewer => "demo-viewer",
        Role::UnitReporter => "demo-reporter",
        Role::UnitApprover => "demo-approver",
    }
}

/// The demo users' password.
pub const PASSWORD: &str = DEMO_PASSWORD;
/// The demo client's id and secret.
pub const CLIENT_ID: &str = DEMO_CLIENT_ID;
/// The demo client's secret.
pub const CLIENT_SECRET: &str = DEMO_CLIENT_SECRET;

/// Starts the application on a fresh database with the demo data.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application after letting the test adjust its settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(TestDb::create(), adjust).await
}

/// Starts the application on a given database after letting the test adjust its settings.
pub async fn spawn_app_on(db: TestDb, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    init_test_logging();
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
        tokens: Mutex::new(HashMap::new()),
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

    /// Starts a second instance of the application on the same database (as a second
    /// stateless instance behind a load balancer would run); returns its base address.
    pub async fn spawn_sibling(&self, adjust: impl FnOnce(&mut Settings)) -> String {
        let mut settings = Settings::for_tests(self.db.url());
        adjust(&mut settings);
        let app = Application::build(settings).await.expect("build sibling");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.into_server());
        address
    }

    /// POST a form to the token endpoint.
    pub async fn token_form(&self, form: &[(&str, &str)]) -> Response {
        self.request(Method::POST, "/api/v1/auth/token")
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Logs a user in with the password grant; returns the token response.
    pub async fn login(&self, username: &str, password: &str) -> Value {
        let response = self
            .token_form(&[
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
            ])
            .await;
        assert_eq!(response.status(), 200, "login of {username}");
        json(response).await
    }

    /// An access token for a caller (cached per app); `None` for anonymous.
    pub async fn token_of(&self, who: Who) -> Option<String> {
        if let Some(t) = self.tokens.lock().expect("lock").get(&who) {
            return Some(t.clone());
        }
        let token = match who {
            Who::Anonymous => return None,
            Who::User(role) => self.login(demo_username(role), PASSWORD).await,
            Who::CommuneClient => {
                let response = self
                    .token_form(&[
                        ("grant_type", "client_credentials"),
                        ("client_id", CLIENT_ID),
                        ("client_secret", CLIENT_SECRET),
                    ])
                    .await;
                assert_eq!(response.status(), 200, "client credentials");
                json(response).await
            }
        };
        let access = token["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned();
        self.tokens
            .lock()
            .expect("lock")
            .insert(who, access.clone());
        Some(access)
    }

    /// An access token of the demo user holding a role.
    pub async fn token_for(&self, role: Role) -> String {
        self.token_of(Who::User(role)).await.expect("token")
    }

    /// A request carrying the caller's bearer token (none for anonymous).
    pub async fn request_as(&self, who: Who, method: Method, path: &str) -> RequestBuilder {
        let builder = self.request(method, path);
        match self.token_of(who).await {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// A request with an explicit bearer token.
    pub fn request_with(&self, token: &str, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(token)
    }

    /// GET a path as the demo user of a role.
    pub async fn get_as(&self, role: Role, path: &str) -> Response {
        self.request_as(Who::User(role), Method::GET, path)
            .await
            .send()
            .await
            .expect("request")
    }

    /// The whole audit log as text, for checking that no secret was written.
    pub fn audit_text(&self) -> String {
        let query = dtihub_service::audit::AuditQuery {
            limit: 1_000_000,
            ..Default::default()
        };
        let (entries, _) = dtihub_service::audit::list(&self.store, &query).expect("audit");
        entries
            .iter()
            .map(|e| {
                format!(
                    "{} {} {} {} {:?} {:?}",
                    e.actor, e.action, e.entity, e.entity_id, e.before, e.after
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
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
