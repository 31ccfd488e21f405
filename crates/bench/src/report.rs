//! Measurements, the printed lines and the JSON written with `--json-out`.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::anchor::AnchorResult;
use crate::scenarios::Scenario;
use crate::target::Target;
use crate::Options;

/// Latencies are recorded in microseconds, from 1 µs to 60 s, to three significant figures.
const HIGHEST_MICROS: u64 = 60_000_000;

/// The latencies and outcomes of a set of requests.
#[derive(Debug, Clone)]
pub struct Stats {
    /// Latency of every request, in microseconds.
    pub latency: Histogram<u64>,
    /// Requests answered below 400.
    pub ok: u64,
    /// Failed requests by status (`503`) or `io` for transport failures.
    pub errors: BTreeMap<String, u64>,
    /// Items moved (rows imported), for scenarios that count them.
    pub items: u64,
}

impl Default for Stats {
    fn default() -> Self {
        Self::new()
    }
}

impl Stats {
    /// No requests yet.
    pub fn new() -> Self {
        // 3 significant figures between 1 µs and 60 s: valid bounds, so this cannot fail.
        let latency = Histogram::new_with_bounds(1, HIGHEST_MICROS, 3)
            .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()));
        Self {
            latency,
            ok: 0,
            errors: BTreeMap::new(),
            items: 0,
        }
    }

    /// Records one request: its latency and its status (`None`: no HTTP answer).
    pub fn record(&mut self, latency: Duration, status: Option<u16>) {
        self.record_micros(
            u64::try_from(latency.as_micros()).unwrap_or(HIGHEST_MICROS),
            status,
        );
    }

    /// Records one request whose latency is in microseconds.
    pub fn record_micros(&mut self, micros: u64, status: Option<u16>) {
        self.latency
            .saturating_record(micros.clamp(1, HIGHEST_MICROS));
        match status {
            Some(s) if s < 400 => self.ok += 1,
            Some(s) => *self.errors.entry(s.to_string()).or_default() += 1,
            None => *self.errors.entry("io".into()).or_default() += 1,
        }
    }

    /// Adds another worker's figures.
    pub fn merge(&mut self, other: &Stats) {
        // Same bounds on both sides: adding cannot fail.
        let _ = self.latency.add(&other.latency);
        self.ok += other.ok;
        for (k, v) in &other.errors {
            *self.errors.entry(k.clone()).or_default() += v;
        }
        self.items += other.items;
    }

    /// The latency at a quantile, in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.latency.value_at_quantile(q) as f64 / 1000.0
    }
}

/// Percentiles in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Slowest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

impl Percentiles {
    /// From a histogram of microseconds.
    pub fn of(stats: &Stats) -> Self {
        Self {
            p50: stats.quantile_ms(0.50),
            p90: stats.quantile_ms(0.90),
            p99: stats.quantile_ms(0.99),
            p999: stats.quantile_ms(0.999),
            max: stats.latency.max() as f64 / 1000.0,
            mean: stats.latency.mean() / 1000.0,
        }
    }
}

/// The outcome of one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    /// Scenario name.
    pub scenario: String,
    /// What it does.
    pub about: String,
    /// Concurrent clients.
    pub concurrency: usize,
    /// Measured wall-clock seconds (until the last in-flight request ended).
    pub elapsed_s: f64,
    /// Requests completed in that time, failed ones included.
    pub requests: u64,
    /// `requests / elapsed_s`.
    pub requests_per_s: f64,
    /// Items (rows) moved, for scenarios that count them.
    pub items: u64,
    /// `items / elapsed_s`.
    pub items_per_s: f64,
    /// Latency percentiles, milliseconds, of all requests.
    pub latency_ms: Percentiles,
    /// Failed requests by status, `io` for no HTTP answer.
    pub errors: BTreeMap<String, u64>,
}

impl ScenarioResult {
    /// Summarises the merged statistics of a run.
    pub fn new(scenario: &Scenario, concurrency: usize, elapsed: Duration, stats: &Stats) -> Self {
        let elapsed_s = elapsed.as_secs_f64().max(1e-9);
        let requests = stats.latency.len();
        Self {
            scenario: scenario.name.into(),
            about: scenario.about.into(),
            concurrency,
            elapsed_s,
            requests,
            requests_per_s: requests as f64 / elapsed_s,
            items: stats.items,
            items_per_s: stats.items as f64 / elapsed_s,
            latency_ms: Percentiles::of(stats),
            errors: stats.errors.clone(),
        }
    }

    /// Failed requests.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// The printed line.
    pub fn line(&self) -> String {
        let l = &self.latency_ms;
        let mut line = format!(
            "{:<14} {:>9} {:>10.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2}  {}",
            self.scenario,
            self.requests,
            self.requests_per_s,
            l.p50,
            l.p90,
            l.p99,
            l.p999,
            errors_text(&self.errors)
        );
        if self.items > 0 {
            line.push_str(&format!("  ({:.1} items/s)", self.items_per_s));
        }
        line
    }
}

/// `none`, or `503×3 io×1`.
pub fn errors_text(errors: &BTreeMap<String, u64>) -> String {
    if errors.is_empty() {
        "none".into()
    } else {
        errors
            .iter()
            .map(|(k, v)| format!("{k}×{v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The column titles.
pub fn header() -> String {
    format!(
        "{:<14} {:>9} {:>10} {:>8} {:>8} {:>8} {:>8}  errors (ms columns: latency)",
        "scenario", "requests", "req/s", "p50", "p90", "p99", "p99.9"
    )
}

/// The machine the figures came from.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// Logical CPUs.
    pub nproc: usize,
    /// CPU model (first `model name` of /proc/cpuinfo).
    pub cpu_model: Option<String>,
    /// `MemTotal` of /proc/meminfo, KiB.
    pub mem_total_kib: Option<u64>,
    /// /proc/loadavg: 1, 5 and 15 minutes.
    pub loadavg: Option<String>,
}

impl Machine {
    /// Reads /proc now.
    pub fn observe() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        Self {
            nproc: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model: cpuinfo
                .lines()
                .find_map(|l| l.strip_prefix("model name"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, model)| model.trim().to_owned()),
            mem_total_kib: meminfo
                .lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok()),
            loadavg: std::fs::read_to_string("/proc/loadavg")
                .ok()
                .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")),
        }
    }
}

/// One scenario's line in the JSON, with its anchor.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioEntry {
    /// The HTTP figures.
    #[serde(flatten)]
    pub result: ScenarioResult,
    /// pgbench on the same SQL, when measured.
    pub anchor: Option<AnchorResult>,
    /// `COPY` of the same rows, for the import scenario on PostgreSQL.
    pub copy_anchor: Option<crate::copy::CopyResult>,
    /// Peak RSS during this scenario (the counter is reset before it), KiB.
    pub peak_rss_kib: Option<u64>,
}

/// Everything a run measured; what `--json-out` writes.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Start of the run (UTC, RFC 3339).
    pub started_at: String,
    /// `in-process` or `remote`.
    pub mode: String,
    /// `sqlite`, `postgres` or `remote`.
    pub backend: String,
    /// Concurrent clients.
    pub concurrency: usize,
    /// Measured seconds per scenario.
    pub duration_s: f64,
    /// Warm-up seconds per scenario.
    pub warmup_s: f64,
    /// Communes in the data set.
    pub communes: usize,
    /// The machine, read before the run.
    pub machine_before: Machine,
    /// The machine, read after the run (the load average shows what else ran).
    pub machine_after: Option<Machine>,
    /// Each scenario, in order.
    pub scenarios: Vec<ScenarioEntry>,
    /// Peak RSS while the data set was created (parallel logins hash passwords), KiB.
    pub setup_peak_rss_kib: Option<u64>,
    /// Peak RSS over the run, KiB: the largest of the setup's and every scenario's.
    pub peak_rss_kib: Option<u64>,
    /// What the peak RSS is the peak of.
    pub peak_rss_source: Option<String>,
}

impl RunReport {
    /// An empty report for a run.
    pub fn new(options: &Options, target: &Target, machine_before: Machine) -> Self {
        Self {
            started_at: chrono::Utc::now().to_rfc3339(),
            mode: target.mode().into(),
            backend: target.backend().into(),
            concurrency: options.concurrency,
            duration_s: options.duration.as_secs_f64(),
            warmup_s: options.warmup.as_secs_f64(),
            communes: options.communes,
            machine_before,
            machine_after: None,
            scenarios: Vec::new(),
            setup_peak_rss_kib: None,
            peak_rss_kib: None,
            peak_rss_source: None,
        }
    }

    /// Adds a scenario's figures.
    pub fn push(
        &mut self,
        result: ScenarioResult,
        anchor: Option<AnchorResult>,
        rss: Option<(u64, &'static str)>,
    ) {
        self.scenarios.push(ScenarioEntry {
            result,
            anchor,
            copy_anchor: None,
            peak_rss_kib: rss.map(|(kib, _)| kib),
        });
    }

    /// Final readings.
    pub fn finish(&mut self, target: &Target) {
        self.machine_after = Some(Machine::observe());
        if let Some((kib, source)) = target.peak_rss_kib() {
            let peak = self
                .scenarios
                .iter()
                .filter_map(|s| s.peak_rss_kib)
                .chain(self.setup_peak_rss_kib)
                .chain([kib])
                .max();
            self.peak_rss_kib = peak;
            self.peak_rss_source = Some(source.into());
        }
    }

    /// Whether any request failed.
    pub fn failed(&self) -> bool {
        self.scenarios.iter().any(|s| s.result.error_count() > 0)
    }

    /// The closing lines: peak RSS, machine, load.
    pub fn footer(&self) -> String {
        let m = &self.machine_before;
        let mut out = String::new();
        if let (Some(kib), Some(source)) = (self.peak_rss_kib, &self.peak_rss_source) {
            out.push_str(&format!(
                "peak RSS: {:.1} MiB over the run, {:.1} MiB while creating the data set ({source})\n",
                kib as f64 / 1024.0,
                self.setup_peak_rss_kib.unwrap_or(0) as f64 / 1024.0,
            ));
        }
        out.push_str(&format!(
            "machine: {} CPUs, {}, {:.1} GiB; load average before {} / after {}",
            m.nproc,
            m.cpu_model.as_deref().unwrap_or("unknown CPU"),
            m.mem_total_kib.unwrap_or(0) as f64 / 1024.0 / 1024.0,
            m.loadavg.as_deref().unwrap_or("?"),
            self.machine_after
                .as_ref()
                .and_then(|a| a.loadavg.as_deref())
                .unwrap_or("?"),
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Stats;
    use std::time::Duration;

    #[test]
    fn statuses_below_400_are_successes_and_the_rest_are_counted_by_status() {
        let mut stats = Stats::new();
        stats.record(Duration::from_millis(2), Some(200));
        stats.record(Duration::from_millis(3), Some(304));
        stats.record(Duration::from_millis(4), Some(503));
        stats.record(Duration::from_millis(5), None);
        assert_eq!(stats.ok, 2);
        assert_eq!(stats.errors.get("503"), Some(&1));
        assert_eq!(stats.errors.get("io"), Some(&1));
        assert_eq!(stats.latency.len(), 4);
        let p50 = stats.quantile_ms(0.5);
        assert!((2.9..=3.1).contains(&p50), "{p50}");
    }
}
