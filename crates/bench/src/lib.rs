//! The DTI Hub load generator.
//!
//! One run: pick a target (a running server, or the same [`dtihub::Application`] the binary
//! runs, started in this process on port 0 over a fresh SQLite file or a throwaway PostgreSQL
//! database), create a data set and users through the API as the bootstrap `admin`
//! ([`setup`]), then run each named scenario ([`scenarios`]) for a duration at a concurrency
//! and print one line per scenario. On PostgreSQL in process, each scenario whose SQL can be
//! replayed also gets an anchor ([`anchor`]): `pgbench` running the SQL those very requests
//! issued, at the same concurrency and duration, so the HTTP figure reads as a ratio of what
//! the database alone does on this machine.
//!
//! BENCHMARKS.md at the repository root says how to run it and what the figures mean.

pub mod anchor;
pub mod capture;
pub mod copy;
pub mod dataset;
pub mod import_once;
pub mod report;
pub mod report_data;
pub mod scenarios;
pub mod setup;
pub mod target;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

use crate::report::{Machine, RunReport};
use crate::setup::World;
use crate::target::{DatabaseChoice, Target};

/// Command-line options of `dtihub-bench`.
#[derive(Debug, Clone, Parser)]
#[command(name = "dtihub-bench", version, about = "Load generator for DTI Hub")]
pub struct Options {
    /// Benchmark a running server at this base URL (e.g. http://127.0.0.1:8081) instead of
    /// starting one in this process.
    #[arg(long, conflicts_with = "database")]
    pub server: Option<String>,

    /// In-process server database: `sqlite` (a temporary file) or a PostgreSQL server URL
    /// (`postgres://user@host:5432/postgres`) on which a throwaway database is created and
    /// dropped afterwards.
    #[arg(long, default_value = "sqlite")]
    pub database: String,

    /// Password of the bootstrap `admin` of the `--server` (in process one is generated).
    #[arg(long, env = "DTIHUB_BENCH_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// With `--server`: the server's process id, to report its peak RSS (VmHWM).
    #[arg(long)]
    pub server_pid: Option<u32>,

    /// Scenarios to run, comma-separated, or `all`.
    #[arg(long, default_value = "all", value_delimiter = ',')]
    pub scenarios: Vec<String>,

    /// Measured time per scenario (`20s`, `500ms`, `1m`).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,

    /// Unmeasured warm-up per scenario.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub warmup: Duration,

    /// Concurrent clients, each with its own user and keep-alive connection.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,

    /// Communes to create (one unit and one reporter each).
    #[arg(long, default_value_t = 50)]
    pub communes: usize,

    /// HTTP worker threads of the in-process server (default: the server's own, one per core).
    #[arg(long)]
    pub server_workers: Option<usize>,

    /// Write all results as JSON to this file.
    #[arg(long)]
    pub json_out: Option<PathBuf>,

    /// The pgbench executable (default: on PATH, else /usr/lib/postgresql/*/bin/pgbench).
    #[arg(long)]
    pub pgbench: Option<PathBuf>,

    /// Skip the pgbench anchors.
    #[arg(long)]
    pub no_anchors: bool,

    /// A synthetic data set written straight into the in-process server's database before
    /// the scenarios run (see BENCHMARKS.md): `province` (120 units × 60 indicators × 24
    /// months, either backend) or `national` (4,000 units × 60 indicators × 60 months, about
    /// 13 million indicator values; PostgreSQL).
    #[arg(long, value_enum, default_value = "none")]
    pub dataset: dataset::Dataset,

    /// Instead of the scenarios: import this many indicator values in one `POST
    /// /api/v1/imports` (CSV, atomic) as a machine client with `imports:write`, over as many
    /// communes as needed at 100 indicators × 10 months each, and print rows/s; on PostgreSQL
    /// also the rate of `COPY … FROM STDIN` of the same rows (see BENCHMARKS.md).
    #[arg(long, value_name = "ROWS")]
    pub import_once: Option<u64>,

    /// Only fill this database (a postgres:// URL or a SQLite path) with `--dataset`, after
    /// applying the migrations, print the figures and exit: no server, no scenarios.
    #[arg(long)]
    pub fill: Option<String>,
}

/// Parses `20s`, `1500ms`, `2m` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("not a duration: {text:?} (try 20s, 500ms, 1m)"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" | "min" => value * 60.0,
        _ => return Err(format!("unknown unit {unit:?} in {text:?} (ms, s, m)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))
}

/// `--fill`: applies the migrations to a database and writes the `--dataset` into it.
pub fn fill(
    url: &str,
    which: dataset::Dataset,
    json_out: Option<&std::path::Path>,
) -> anyhow::Result<dataset::Summary> {
    let pool = dtihub_db::conn::build_pool(url, &dtihub_db::PoolOptions::default())
        .context("connecting")?;
    let mut conn = pool.get().context("connecting")?;
    let applied = dtihub_db::repo::migrations::run_pending(&mut conn)
        .map_err(|e| anyhow::anyhow!("migrations: {e}"))?;
    drop(conn);
    if !applied.is_empty() {
        eprintln!("migrations applied: {}", applied.len());
    }
    let summary = dataset::generate(url, which)?;
    println!("{}", summary.line());
    if let Some(path) = json_out {
        std::fs::write(path, serde_json::to_string_pretty(&summary)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(summary)
}

/// Runs the whole benchmark: target, data set, every scenario, anchors, report.
pub async fn run(options: &Options) -> anyhow::Result<RunReport> {
    let selected = scenarios::resolve(&options.scenarios)?;
    anyhow::ensure!(options.concurrency > 0, "--concurrency must be at least 1");
    anyhow::ensure!(options.communes > 0, "--communes must be at least 1");
    let machine_before = Machine::observe();

    let choice = match &options.server {
        Some(url) => DatabaseChoice::Remote(url.trim_end_matches('/').to_owned()),
        None => DatabaseChoice::parse(&options.database)?,
    };
    let target = Target::start(choice, options).await?;
    eprintln!("target: {}", target.describe());

    let world = setup::create(&target, options)
        .await
        .context("creating the data set through the API")?;
    let mut world = world;
    if options.dataset != dataset::Dataset::None {
        let url = target
            .database_url()
            .context("--dataset writes into the in-process server's database: use --database")?;
        let which = options.dataset;
        let summary = tokio::task::spawn_blocking(move || dataset::generate(&url, which))
            .await
            .context("the generator panicked")??;
        eprintln!("{}", summary.line());
        world.dataset = Some(summary);
    }
    let world = Arc::new(world);
    eprintln!(
        "data set: {} communes, {} users, run id {}",
        world.communes.len(),
        world.reporters.len() + 1,
        world.run_id
    );

    let pgbench = if options.no_anchors {
        Err("--no-anchors".to_owned())
    } else if target.postgres_url().is_none() {
        Err(target.why_no_anchor())
    } else {
        anchor::find_pgbench(options.pgbench.as_deref())
    };
    if let Err(why) = &pgbench {
        eprintln!("anchors skipped: {why}");
    }

    let mut report = RunReport::new(options, &target, machine_before);
    report.setup_peak_rss_kib = target.peak_rss_kib().map(|(kib, _)| kib);
    println!("{}", report::header());
    for scenario in selected {
        let per_scenario_rss = target.reset_peak_rss();
        let result = scenarios::run(
            &world,
            scenario,
            options.concurrency,
            options.warmup,
            options.duration,
        )
        .await;
        let rss = target.peak_rss_kib().filter(|_| per_scenario_rss);
        match rss {
            Some((kib, _)) => println!("{}  rss {:.0} MiB", result.line(), kib as f64 / 1024.0),
            None => println!("{}", result.line()),
        }
        let anchor = match (&pgbench, target.postgres_url(), scenario.replayable_sql) {
            (Ok(exe), Some(url), true) => {
                match anchor::measure(&world, scenario, &result, exe, url, options).await {
                    Ok(anchor) => {
                        println!("{}", anchor.line());
                        Some(anchor)
                    }
                    Err(e) => {
                        println!("  anchor {}: failed: {e:#}", scenario.name);
                        None
                    }
                }
            }
            (Ok(_), Some(_), false) => {
                println!(
                    "  anchor {}: none (its requests write, so their SQL cannot be replayed as is)",
                    scenario.name
                );
                None
            }
            _ => None,
        };
        let copy_anchor = if scenario.name == scenarios::import_csv::SCENARIO.name {
            copy_anchor(&world, &target, &result, options).await
        } else {
            None
        };
        report.push(result, anchor, rss);
        if let Some(entry) = report.scenarios.last_mut() {
            entry.copy_anchor = copy_anchor;
        }
    }
    report.finish(&target);
    println!("{}", report.footer());
    if let Some(path) = &options.json_out {
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, json + "\n").with_context(|| format!("writing {}", path.display()))?;
        eprintln!("results written to {}", path.display());
    }
    target.shutdown().await;
    Ok(report)
}

/// The `COPY` anchor of `import-csv` on PostgreSQL in process: the same files' rows, by
/// `COPY`, at the same concurrency and for the same duration; printed under the scenario.
async fn copy_anchor(
    world: &Arc<World>,
    target: &Target,
    result: &report::ScenarioResult,
    options: &Options,
) -> Option<copy::CopyResult> {
    let url = target.postgres_url()?.to_owned();
    if options.no_anchors {
        return None;
    }
    let world = Arc::clone(world);
    let (concurrency, duration, import_rate) =
        (options.concurrency, options.duration, result.items_per_s);
    let measured = tokio::task::spawn_blocking(move || {
        use scenarios::import_csv::{rows, PERIODS, PERIODS_PER_FILE};
        let periods = &PERIODS[..PERIODS_PER_FILE];
        let file = |worker: usize| {
            let unit = std::slice::from_ref(&world.communes[worker % world.communes.len()]);
            (
                rows(&world.reports, unit, periods, 0, usize::MAX),
                periods.len(),
            )
        };
        copy::steady(&url, concurrency, duration, file, import_rate)
    })
    .await;
    match measured {
        Ok(Ok(anchor)) => {
            println!("{}", anchor.line());
            Some(anchor)
        }
        Ok(Err(e)) => {
            println!("  COPY anchor: failed: {e:#}");
            None
        }
        Err(e) => {
            println!("  COPY anchor: failed: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_parse_in_the_usual_units() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("3h").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
