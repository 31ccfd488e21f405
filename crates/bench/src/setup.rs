//! The data set, created through the API as the bootstrap `admin`: a province, N communes
//! under it, a reporter per commune and a coordinator, then a token for each.
//!
//! Codes and usernames carry a run id, so runs against the same `--server` do not collide.

use std::time::Duration;

use anyhow::{bail, Context};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::task::JoinSet;

use crate::target::Target;
use crate::Options;

/// Writes in flight while creating the data set. One: on SQLite the server's write
/// transactions start deferred, and two of them upgrading to writers at once answer 503
/// at once instead of waiting (see BENCHMARKS.md); the data set is not what is measured.
const SETUP_PARALLELISM: usize = 1;
/// Attempts of a setup request answered 503 (honouring `Retry-After`, at most a second).
const SETUP_ATTEMPTS: u32 = 4;
/// Logins in flight while creating the data set: each hashes a password with argon2id
/// (19 MiB by default), so more than the cores only raises the server's peak memory.
const LOGIN_PARALLELISM: usize = 2;

/// Everything the scenarios need: the server, the data set and the callers' tokens.
#[derive(Debug)]
pub struct World {
    /// Base URL of the server.
    pub base_url: String,
    /// The HTTP client all simulated callers share (one keep-alive connection each).
    pub client: reqwest::Client,
    /// Lower-case id of this run, part of every code and username.
    pub run_id: String,
    /// The province's unit code.
    pub province: String,
    /// The communes' unit codes.
    pub communes: Vec<String>,
    /// One reporter per commune: username and access token.
    pub reporters: Vec<Caller>,
    /// The coordinator (reads everything, the audit trail).
    pub coordinator: Caller,
    /// The password of every bench user.
    pub password: String,
    /// The catalog the communes report on.
    pub reports: crate::report_data::ReportPlan,
    /// The synthetic data set written into the database (`--dataset`), if any: the
    /// aggregate scenarios read its plan and periods.
    pub dataset: Option<crate::dataset::Summary>,
}

/// A user of the data set.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Username.
    pub username: String,
    /// A valid access token (15 minutes by default: enough for a run of all scenarios).
    pub token: String,
}

impl World {
    /// The absolute URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// Creates the data set and logs every user in.
pub async fn create(target: &Target, options: &Options) -> anyhow::Result<World> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .tcp_nodelay(true)
        .build()?;
    let base = target.base_url.clone();
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..6].to_owned();
    let upper = run_id.to_ascii_uppercase();
    let password = format!("Bench-pw-{run_id}-2025");

    let admin = login(&client, &base, "admin", &target.admin_password)
        .await
        .context("logging in as the bootstrap admin")?;

    let province = format!("B{upper}");
    post_json(
        &client,
        &base,
        &admin,
        "/api/v1/units",
        json!({
            "code": province,
            "name": format!("Tỉnh Thử Nghiệm {upper}"),
            "kind": "province",
            "valid_from": "2020-01-01",
        }),
    )
    .await?;

    let communes: Vec<String> = (1..=options.communes)
        .map(|i| format!("{province}-XA-{i:04}"))
        .collect();
    let bodies = communes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            json!({
                "code": code,
                "name": format!("Ủy ban nhân dân xã Thử Nghiệm {}", i + 1),
                "kind": "commune",
                "parent": province,
                "valid_from": "2025-07-01",
            })
        })
        .collect();
    post_all(&client, &base, &admin, "/api/v1/units", bodies).await?;

    let coordinator_name = format!("bench-{run_id}-coordinator");
    let mut users = vec![json!({
        "username": coordinator_name,
        "display_name": "Điều phối viên thử nghiệm",
        "roles": ["coordinator"],
        "unit": province,
        "password": password,
    })];
    let reporter_names: Vec<String> = (1..=options.communes)
        .map(|i| format!("bench-{run_id}-r{i:04}"))
        .collect();
    for (name, unit) in reporter_names.iter().zip(&communes) {
        users.push(json!({
            "username": name,
            "display_name": format!("Cán bộ {name}"),
            // Reporter and approver: the report-submit scenario submits what it saved.
            "roles": ["unit_reporter", "unit_approver"],
            "unit": unit,
            "password": password,
        }));
    }
    post_all(&client, &base, &admin, "/api/v1/users", users).await?;

    let mut names = vec![coordinator_name];
    names.extend(reporter_names);
    let mut tokens = login_all(&client, &base, &names, &password).await?;
    let coordinator = Caller {
        username: names.remove(0),
        token: tokens.remove(0),
    };
    let reporters = names
        .into_iter()
        .zip(tokens)
        .map(|(username, token)| Caller { username, token })
        .collect();

    let reports = crate::report_data::create(&client, &base, &admin, &run_id, &communes)
        .await
        .context("creating the report catalog")?;

    Ok(World {
        reports,
        base_url: base,
        client,
        run_id,
        province,
        communes,
        reporters,
        coordinator,
        password,
        dataset: None,
    })
}

/// Password grant; returns the access token.
pub async fn login(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<String> {
    let response = send_retrying(|| {
        client.post(format!("{base}/api/v1/auth/token")).form(&[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
        ])
    })
    .await?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status != StatusCode::OK {
        bail!("login of {username} answered {status}: {body}");
    }
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .context("token response without access_token")
}

/// POSTs a body that must be created (201) and returns the created resource.
pub(crate) async fn post_created(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    body: &Value,
) -> anyhow::Result<Value> {
    let response = send_retrying(|| {
        client
            .post(format!("{base}{path}"))
            .bearer_auth(token)
            .json(body)
    })
    .await?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if status != StatusCode::CREATED {
        bail!("POST {path} answered {status}: {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

async fn post_json(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<()> {
    let response = send_retrying(|| {
        client
            .post(format!("{base}{path}"))
            .bearer_auth(token)
            .json(&body)
    })
    .await?;
    let status = response.status();
    if status != StatusCode::CREATED {
        let text = response.text().await.unwrap_or_default();
        bail!("POST {path} answered {status}: {text}");
    }
    Ok(())
}

/// Sends a request, again after `Retry-After` (at most a second) while it answers 503.
async fn send_retrying(
    request: impl Fn() -> reqwest::RequestBuilder,
) -> anyhow::Result<reqwest::Response> {
    let mut attempt = 1;
    loop {
        let response = request().send().await?;
        if response.status() != StatusCode::SERVICE_UNAVAILABLE || attempt == SETUP_ATTEMPTS {
            return Ok(response);
        }
        let wait = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.1)
            .clamp(0.05, 1.0);
        eprintln!(
            "setup: {} answered 503, retrying in {wait:.2} s",
            response.url().path()
        );
        tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        attempt += 1;
    }
}

/// POSTs every body, a few at a time.
async fn post_all(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    path: &'static str,
    bodies: Vec<Value>,
) -> anyhow::Result<()> {
    for chunk in bodies.chunks(SETUP_PARALLELISM) {
        let mut set = JoinSet::new();
        for body in chunk.iter().cloned() {
            let (client, base, token) = (client.clone(), base.to_owned(), token.to_owned());
            set.spawn(async move { post_json(&client, &base, &token, path, body).await });
        }
        while let Some(done) = set.join_next().await {
            done??;
        }
    }
    Ok(())
}

/// Logs every user in, a few at a time; tokens in the order of `names`.
async fn login_all(
    client: &reqwest::Client,
    base: &str,
    names: &[String],
    password: &str,
) -> anyhow::Result<Vec<String>> {
    let mut tokens = Vec::with_capacity(names.len());
    for chunk in names.chunks(LOGIN_PARALLELISM) {
        let mut set = JoinSet::new();
        for (i, name) in chunk.iter().enumerate() {
            let (client, base, name, password) = (
                client.clone(),
                base.to_owned(),
                name.clone(),
                password.to_owned(),
            );
            set.spawn(async move { (i, login(&client, &base, &name, &password).await) });
        }
        let mut chunk_tokens = vec![String::new(); chunk.len()];
        while let Some(done) = set.join_next().await {
            let (i, token) = done?;
            chunk_tokens[i] = token?;
        }
        tokens.extend(chunk_tokens);
    }
    Ok(tokens)
}
