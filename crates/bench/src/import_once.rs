//! `--import-once ROWS`: one import of many indicator values in one go, and its `COPY`
//! anchor.
//!
//! On top of the usual data set (created with a single commune: no scenario runs), it
//! creates as many further communes as `ROWS` needs at 100 indicators × [`MONTHS`] months
//! each (1,000 communes for 1,000,000 rows), a machine client with `imports:write` (unbound:
//! it may import for every unit), builds the CSV of all the rows (the same rows as the
//! `import-csv` scenario's, by [`crate::scenarios::import_csv::rows`]), and sends it as one
//! `POST /api/v1/imports?mode=atomic&id_scheme=id`. The time is from sending the first byte
//! to having read the summary. On PostgreSQL the same rows are then copied with one `COPY …
//! FROM STDIN` into a scratch table shaped as `report_indicator_values` ([`crate::copy`]).

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde::Serialize;
use serde_json::{json, Value};

use crate::copy::CopyResult;
use crate::scenarios::import_csv::{csv, rows, PERIODS};
use crate::setup::{login, post_created};
use crate::target::{DatabaseChoice, Target};
use crate::Options;

/// Months per commune: 2025-07 … 2026-04.
pub const MONTHS: usize = 10;

/// What `--import-once` measured.
#[derive(Debug, Clone, Serialize)]
pub struct ImportOnce {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// Rows sent.
    pub rows: u64,
    /// Communes the rows span.
    pub communes: usize,
    /// Months the rows span.
    pub months: usize,
    /// Size of the CSV, bytes.
    pub bytes: usize,
    /// Seconds to create the communes through the API (not measured).
    pub setup_s: f64,
    /// Seconds from sending the file to having read the summary.
    pub elapsed_s: f64,
    /// `rows / elapsed_s`.
    pub rows_per_s: f64,
    /// The import's summary as answered.
    pub summary: Value,
    /// Peak RSS of the bench process (server and generator) over the run, KiB.
    pub peak_rss_kib: Option<u64>,
    /// The `COPY` of the same rows (PostgreSQL).
    pub copy: Option<CopyResult>,
    /// Load average before and after.
    pub load_before: Option<[f64; 3]>,
    /// Load average after.
    pub load_after: Option<[f64; 3]>,
}

impl ImportOnce {
    /// The printed line.
    pub fn line(&self) -> String {
        format!(
            "import-once    {:>9} rows in {:.2} s = {:.0} rows/s ({} communes × {} months × 100 indicators, \
             {:.1} MiB of CSV; {} imported, {} updated, {} ignored, {} rejected)",
            self.rows,
            self.elapsed_s,
            self.rows_per_s,
            self.communes,
            self.months,
            self.bytes as f64 / (1024.0 * 1024.0),
            self.summary["imported"],
            self.summary["updated"],
            self.summary["ignored"],
            self.summary["rejected"],
        )
    }
}

fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut it = text.split_whitespace().map(|v| v.parse::<f64>().ok());
    Some([it.next()??, it.next()??, it.next()??])
}

/// Runs `--import-once`.
pub async fn run(options: &Options, total: u64) -> anyhow::Result<ImportOnce> {
    anyhow::ensure!(total > 0, "--import-once needs at least one row");
    let load_before = load_average();
    let choice = match &options.server {
        Some(url) => DatabaseChoice::Remote(url.trim_end_matches('/').to_owned()),
        None => DatabaseChoice::parse(&options.database)?,
    };
    let target = Target::start(choice, options).await?;
    eprintln!("target: {}", target.describe());
    let mut small = options.clone();
    small.communes = 1;
    let world = crate::setup::create(&target, &small)
        .await
        .context("creating the data set through the API")?;

    let per_commune = (world.reports.indicators.len() * MONTHS) as u64;
    let communes = usize::try_from(total.div_ceil(per_commune))?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3600))
        .tcp_nodelay(true)
        .build()?;
    let base = target.base_url.clone();
    let admin = login(&client, &base, "admin", &target.admin_password).await?;
    let started = Instant::now();
    let mut codes = Vec::with_capacity(communes);
    for i in 1..=communes {
        let code = format!("{}-IM-{i:05}", world.province);
        post_created(
            &client,
            &base,
            &admin,
            "/api/v1/units",
            &json!({
                "code": code,
                "name": format!("Xã Nhập Liệu {i}"),
                "kind": "commune",
                "parent": world.province,
                "valid_from": "2025-07-01",
            }),
        )
        .await?;
        codes.push(code);
    }
    let created = post_created(
        &client,
        &base,
        &admin,
        "/api/v1/clients",
        &json!({"name": format!("Nhập liệu thử tải {}", world.run_id), "scopes": ["imports:write"]}),
    )
    .await?;
    let client_id = created["client"]["client_id"]
        .as_str()
        .context("client without client_id")?;
    let secret = created["client_secret"]
        .as_str()
        .context("client without secret")?;
    let token: Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = token["access_token"]
        .as_str()
        .context("client_credentials: no access_token")?
        .to_owned();
    let setup_s = started.elapsed().as_secs_f64();
    eprintln!("{communes} communes and an import client created in {setup_s:.1} s");

    let periods = &PERIODS[..MONTHS];
    let limit = usize::try_from(total)?;
    let (body, count) = csv(rows(&world.reports, &codes, periods, 0, limit));
    let bytes = body.len();
    target.reset_peak_rss();
    let started = Instant::now();
    let response = client
        .post(format!("{base}/api/v1/imports?mode=atomic&id_scheme=id"))
        .bearer_auth(&token)
        .header(reqwest::header::CONTENT_TYPE, "text/csv")
        .body(body)
        .send()
        .await
        .context("sending the import")?;
    let status = response.status();
    let text = response.text().await?;
    let elapsed = started.elapsed();
    if !status.is_success() {
        let mut shown = text;
        shown.truncate(2000);
        bail!("the import answered {status}: {shown}");
    }
    let summary: Value = serde_json::from_str(&text)?;
    let elapsed_s = elapsed.as_secs_f64();
    let rows_per_s = count as f64 / elapsed_s;
    let peak_rss_kib = target.peak_rss_kib().map(|(kib, _)| kib);

    let copy = match target.postgres_url() {
        Some(url) => {
            let url = url.to_owned();
            let reports = world.reports.clone();
            let codes = codes.clone();
            Some(
                tokio::task::spawn_blocking(move || {
                    crate::copy::once(
                        &url,
                        rows(&reports, &codes, &PERIODS[..MONTHS], 0, limit),
                        MONTHS,
                        rows_per_s,
                    )
                })
                .await??,
            )
        }
        None => None,
    };
    let outcome = ImportOnce {
        backend: target.backend().into(),
        rows: count,
        communes,
        months: MONTHS,
        bytes,
        setup_s,
        elapsed_s,
        rows_per_s,
        summary,
        peak_rss_kib,
        copy,
        load_before,
        load_after: load_average(),
    };
    target.shutdown().await;
    Ok(outcome)
}
