//! `dtihub upload`: sends a CSV, JSON or XLSX file to `POST /api/v1/imports` the way a
//! careful script would.
//!
//! - The `Idempotency-Key` is derived from the file's bytes and the options (SHA-256), so
//!   running the same upload twice, or retrying after a lost answer, applies it once.
//! - 503, 429 and 409 (the same key still in progress), and connection failures, are retried
//!   with exponential backoff, honouring `Retry-After`.
//! - The file is streamed (never read whole into memory) behind a progress bar; a job
//!   answered with `202 Accepted` is polled until it finishes.
//! - The outcome is printed as a summary and a table of rejected rows; the exit code is 0
//!   when every row was accepted, 3 when rows were rejected, 1 when the upload failed (2 is
//!   the command line's own: a usage error).

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reqwest::header::{HeaderMap, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Client, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Bytes read from the file per chunk of the request body.
const CHUNK: usize = 64 * 1024;
/// Longest wait between two attempts, whatever `Retry-After` asks.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// Exit code when the server rejected rows (2 is taken by usage errors).
pub const EXIT_REJECTED: i32 = 3;

/// How the uploader authenticates.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// OAuth 2.0 client credentials, exchanged for a token at `/api/v1/auth/token`.
    Client {
        /// `client_id`.
        id: String,
        /// `client_secret`.
        secret: String,
    },
    /// A bearer access token obtained elsewhere.
    Token(String),
}

/// `atomic` (any rejected row: nothing written) or `partial` (valid rows written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// All or nothing (the server's default).
    Atomic,
    /// Write the valid rows, report the others.
    Partial,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Atomic => "atomic",
            Mode::Partial => "partial",
        }
    }
}

/// Everything `dtihub upload` is told.
#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// The file (`.csv`, `.json` or `.xlsx`).
    pub file: PathBuf,
    /// Base URL of the server (`https://dtihub.example.gov.vn`).
    pub server: String,
    /// How to authenticate.
    pub credentials: Credentials,
    /// Validate and report without writing.
    pub dry_run: bool,
    /// Atomic or partial.
    pub mode: Mode,
    /// Attempts per request before giving up on 503/429/409 and connection failures.
    pub attempts: u32,
    /// First backoff delay (doubled at every retry) when the server names none.
    pub initial_backoff: Duration,
    /// Draw progress bars (on standard error).
    pub progress: bool,
}

/// One rejected row and field, as the server reports it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct RowError {
    /// Row number in the file (1 = first data row, as the server counts).
    pub row: Option<Value>,
    /// Column (CSV/XLSX header, or JSON field).
    pub column: Option<String>,
    /// Stable code of the rule broken.
    pub code: Option<String>,
    /// Message (Vietnamese by default).
    pub message: Option<String>,
    /// The offending value.
    pub value: Option<Value>,
}

/// The import summary.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Summary {
    /// `completed`, `partial`, `rejected`, …
    pub status: String,
    /// Rows added.
    pub imported: u64,
    /// Rows changed.
    pub updated: u64,
    /// Rows identical to what was stored.
    pub ignored: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// One entry per offending row and field.
    pub errors: Vec<RowError>,
}

/// What an upload came to.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The server's summary.
    pub summary: Summary,
    /// The idempotency key used.
    pub idempotency_key: String,
    /// How many attempts the upload took.
    pub attempts: u32,
}

impl Outcome {
    /// 0 when every row was accepted, [`EXIT_REJECTED`] when rows were rejected.
    pub fn exit_code(&self) -> i32 {
        if self.summary.rejected > 0 || !self.summary.errors.is_empty() {
            EXIT_REJECTED
        } else {
            0
        }
    }
}

/// The media type of a file, by extension.
pub fn content_type(path: &Path) -> anyhow::Result<&'static str> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    Ok(match ext.as_str() {
        "csv" => "text/csv",
        "json" => "application/json",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => bail!(
            "{}: cannot tell the format; use a .csv, .json or .xlsx file",
            path.display()
        ),
    })
}

/// The idempotency key of an upload: SHA-256 over the file's bytes and every option that
/// changes what the server does (format, mode, dry run), so that the same upload always
/// carries the same key and a different one never does.
pub fn idempotency_key(
    path: &Path,
    mode: Mode,
    dry_run: bool,
    bar: &ProgressBar,
) -> anyhow::Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; CHUNK];
    loop {
        let n = file
            .read(&mut buffer)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bar.inc(n as u64);
    }
    hasher.update(b"\0");
    hasher.update(content_type(path)?.as_bytes());
    hasher.update(b"\0mode=");
    hasher.update(mode.as_str().as_bytes());
    hasher.update(b"\0dry_run=");
    hasher.update(if dry_run {
        b"true".as_slice()
    } else {
        b"false"
    });
    let digest = hasher.finalize();
    let mut key = String::from("dtihub-upload-");
    for byte in digest {
        let _ = write!(key, "{byte:02x}");
    }
    Ok(key)
}

/// How long the server asks to wait (`Retry-After` in seconds), if it says.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    value.parse::<u64>().ok().map(Duration::from_secs)
}

/// The delay before attempt `attempt + 1`: what the server asks, else exponential.
fn backoff(options: &UploadOptions, attempt: u32, asked: Option<Duration>) -> Duration {
    let exponential = options
        .initial_backoff
        .saturating_mul(2_u32.saturating_pow(attempt.saturating_sub(1)));
    asked.unwrap_or(exponential).min(MAX_WAIT)
}

fn retryable(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS | StatusCode::CONFLICT
    )
}

fn bar(options: &UploadOptions, len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(len),
        if options.progress {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template(
        "{msg:>9} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

/// Describes a problem+json (or any) error answer in one line.
fn describe(status: StatusCode, body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(doc) => {
            let mut line = format!("{status}");
            for key in ["code", "error", "detail", "error_description"] {
                if let Some(text) = doc.get(key).and_then(Value::as_str) {
                    let _ = write!(line, " {key}={text}");
                }
            }
            if let Some(errors) = doc.get("errors").and_then(Value::as_array) {
                for e in errors {
                    let _ = write!(line, "\n  {e}");
                }
            }
            line
        }
        Err(_) => format!("{status} {}", body.chars().take(500).collect::<String>()),
    }
}

/// Sends a request built by `build` until it gets an answer that is not worth retrying.
async fn with_retries<F>(
    options: &UploadOptions,
    what: &str,
    mut build: F,
) -> anyhow::Result<(reqwest::Response, u32)>
where
    F: FnMut() -> anyhow::Result<reqwest::RequestBuilder>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let last = attempt >= options.attempts;
        match build()?.send().await {
            Ok(response) if retryable(response.status()) && !last => {
                let wait = backoff(options, attempt, retry_after(response.headers()));
                eprintln!(
                    "{what}: {} — retrying in {:.1} s (attempt {attempt} of {})",
                    response.status(),
                    wait.as_secs_f64(),
                    options.attempts
                );
                tokio::time::sleep(wait).await;
            }
            Ok(response) => return Ok((response, attempt)),
            Err(e) if (e.is_connect() || e.is_timeout() || e.is_request()) && !last => {
                let wait = backoff(options, attempt, None);
                eprintln!(
                    "{what}: {e} — retrying in {:.1} s (attempt {attempt} of {})",
                    wait.as_secs_f64(),
                    options.attempts
                );
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(anyhow!(e).context(format!("{what} failed"))),
        }
    }
}

async fn access_token(
    client: &Client,
    options: &UploadOptions,
    base: &str,
) -> anyhow::Result<String> {
    let (id, secret) = match &options.credentials {
        Credentials::Token(token) => return Ok(token.clone()),
        Credentials::Client { id, secret } => (id.clone(), secret.clone()),
    };
    let url = format!("{base}/api/v1/auth/token");
    let (response, _) = with_retries(options, "token", || {
        Ok(client.post(&url).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ]))
    })
    .await?;
    let status = response.status();
    let body = response.text().await?;
    if !status.is_success() {
        bail!("the token request was refused: {}", describe(status, &body));
    }
    let doc: Value = serde_json::from_str(&body).context("the token answer is not JSON")?;
    doc.get("access_token")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("the token answer has no access_token"))
}

/// The file as a streamed request body, advancing `bar` as it is read.
fn file_body(path: &Path, bar: ProgressBar) -> anyhow::Result<reqwest::Body> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let stream = futures_util::stream::unfold(Some(file), move |state| {
        let bar = bar.clone();
        async move {
            let mut file = state?;
            let mut buffer = vec![0_u8; CHUNK];
            match file.read(&mut buffer) {
                Ok(0) => None,
                Ok(n) => {
                    buffer.truncate(n);
                    bar.inc(n as u64);
                    Some((Ok::<_, std::io::Error>(buffer), Some(file)))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    });
    Ok(reqwest::Body::wrap_stream(stream))
}

/// The summary inside an answer: the body itself, or its `summary` member (a job's status).
fn summary_of(doc: &Value) -> Option<Summary> {
    // A problem document has `errors` too, never `rejected`.
    let mut candidate = if doc.get("rejected").is_some() {
        doc.clone()
    } else {
        doc.get("summary")?.clone()
    };
    // An atomic import with rejected rows answers 422 with a problem document that carries
    // the summary: its `status` is then the HTTP status, and its `code` says what happened.
    if !candidate.get("status").is_some_and(Value::is_string) {
        let status = candidate
            .get("code")
            .and_then(Value::as_str)
            .unwrap_or("rejected")
            .to_owned();
        candidate["status"] = Value::String(status);
    }
    serde_json::from_value(candidate).ok()
}

/// Polls a job (`202 Accepted`) until it carries its summary.
async fn wait_for_job(
    client: &Client,
    options: &UploadOptions,
    token: &str,
    url: String,
) -> anyhow::Result<Summary> {
    let spinner = if options.progress {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    spinner.set_message("the server is importing…");
    let mut attempt = 0;
    loop {
        spinner.tick();
        let (response, _) = with_retries(options, "job status", || {
            Ok(client.get(&url).bearer_auth(token))
        })
        .await?;
        let status = response.status();
        let asked = retry_after(response.headers());
        let body = response.text().await?;
        if !status.is_success() {
            bail!("reading the import job failed: {}", describe(status, &body));
        }
        let doc: Value = serde_json::from_str(&body).context("the job answer is not JSON")?;
        let state = doc.get("status").and_then(Value::as_str).unwrap_or("");
        let running = matches!(state, "queued" | "pending" | "running" | "in_progress");
        if !running {
            if let Some(summary) = summary_of(&doc) {
                spinner.finish_and_clear();
                return Ok(summary);
            }
        }
        attempt += 1;
        tokio::time::sleep(backoff(options, attempt.min(6), asked)).await;
    }
}

/// Uploads the file and returns the server's summary.
pub async fn upload(options: &UploadOptions) -> anyhow::Result<Outcome> {
    let base = options.server.trim_end_matches('/').to_owned();
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        bail!("--server must be an http:// or https:// URL, not {base}");
    }
    let media_type = content_type(&options.file)?;
    let len = std::fs::metadata(&options.file)
        .with_context(|| format!("cannot read {}", options.file.display()))?
        .len();
    let hashing = bar(options, len, "hashing");
    let key = idempotency_key(&options.file, options.mode, options.dry_run, &hashing)?;
    hashing.finish_and_clear();

    let client = Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .build()
        .context("cannot build the HTTP client (for https:// build with --features upload-tls)")?;
    let token = access_token(&client, options, &base).await?;
    let url = format!(
        "{base}/api/v1/imports?dry_run={}&mode={}",
        options.dry_run,
        options.mode.as_str()
    );
    let mut sending: Option<ProgressBar> = None;
    let (response, attempts) = with_retries(options, "upload", || {
        if let Some(previous) = sending.take() {
            previous.finish_and_clear();
        }
        let progress = bar(options, len, "uploading");
        sending = Some(progress.clone());
        Ok(client
            .post(&url)
            .bearer_auth(&token)
            .header(CONTENT_TYPE, media_type)
            .header("Idempotency-Key", &key)
            .header(reqwest::header::CONTENT_LENGTH, len)
            .body(file_body(&options.file, progress)?))
    })
    .await?;
    if let Some(progress) = sending {
        progress.finish_and_clear();
    }
    let status = response.status();
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await?;
    let summary = if status == StatusCode::ACCEPTED {
        let doc: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let job = location
            .map(|l| {
                if l.starts_with("http") {
                    l
                } else {
                    format!("{base}{l}")
                }
            })
            .or_else(|| {
                doc.get("id").map(|id| {
                    format!(
                        "{base}/api/v1/imports/{}",
                        id.as_str().map_or_else(|| id.to_string(), str::to_owned)
                    )
                })
            })
            .ok_or_else(|| anyhow!("202 Accepted without a job to follow"))?;
        wait_for_job(&client, options, &token, job).await?
    } else if status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY {
        // 422 may carry the summary of an atomic import that rejected rows.
        match serde_json::from_str::<Value>(&body)
            .ok()
            .as_ref()
            .and_then(summary_of)
        {
            Some(summary) => summary,
            None => bail!("the upload failed: {}", describe(status, &body)),
        }
    } else {
        bail!("the upload failed: {}", describe(status, &body));
    };
    Ok(Outcome {
        summary,
        idempotency_key: key,
        attempts,
    })
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn clip(text: &str, width: usize) -> String {
    let one_line = text.replace(['\n', '\r', '\t'], " ");
    if one_line.chars().count() <= width {
        one_line
    } else {
        let mut out: String = one_line.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The summary and the table of rejected rows, as printed at the end.
pub fn report(outcome: &Outcome) -> String {
    let s = &outcome.summary;
    let mut out = format!(
        "status: {}\nimported: {}  updated: {}  ignored: {}  rejected: {}\n",
        s.status, s.imported, s.updated, s.ignored, s.rejected
    );
    if s.errors.is_empty() {
        return out;
    }
    let header = ["row", "column", "code", "message", "value"];
    let limits = [8, 24, 28, 60, 30];
    let rows: Vec<[String; 5]> = s
        .errors
        .iter()
        .map(|e| {
            [
                cell(e.row.as_ref()),
                e.column.clone().unwrap_or_default(),
                e.code.clone().unwrap_or_default(),
                e.message.clone().unwrap_or_default(),
                cell(e.value.as_ref()),
            ]
            .into_iter()
            .zip(limits)
            .map(|(text, width)| clip(&text, width))
            .collect::<Vec<_>>()
            .try_into()
            .unwrap_or_default()
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, text) in widths.iter_mut().zip(row) {
            *w = (*w).max(text.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            let pad = w.saturating_sub(c.chars().count());
            if i > 0 {
                text.push_str(" | ");
            }
            text.push_str(c);
            if i + 1 < cells.len() {
                text.push_str(&" ".repeat(pad));
            }
        }
        text.push('\n');
        text
    };
    out.push('\n');
    out.push_str(&line(&header.map(str::to_owned)));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&line(&rule).replace(" | ", "-+-"));
    for row in &rows {
        out.push_str(&line(row));
    }
    out
}
