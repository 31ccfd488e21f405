//! The pgbench anchor: the SQL the scenario's requests issue, replayed by `pgbench` at the
//! same concurrency and duration against the same database.
//!
//! After the HTTP measurement one worker runs the scenario's step a few dozen times in a
//! row while [`crate::capture`] records every statement the server's connections send
//! (pool check-out ping, token checks, the query itself) as diesel's `debug_query` renders
//! them. Each request becomes one pgbench script with its binds written as literals; pgbench
//! picks among the scripts at random, so one pgbench transaction is the database work of
//! one HTTP request and `HTTP req/s ÷ pgbench tps` says how much of the database's own rate
//! the whole stack delivers. Connection set-up (`SET …`) is left out: pgbench, like the
//! pool, connects once per client.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use serde::Serialize;

use crate::report::{errors_text, Percentiles, ScenarioResult, Stats};
use crate::scenarios::{self, Scenario};
use crate::setup::World;
use crate::Options;

/// Requests whose SQL is captured and replayed.
const CAPTURED_REQUESTS: usize = 40;

/// pgbench's figures for a scenario, and how the HTTP figures compare.
#[derive(Debug, Clone, Serialize)]
pub struct AnchorResult {
    /// `pgbench -M` protocol.
    pub protocol: String,
    /// Transactions (one request's SQL each) completed.
    pub transactions: u64,
    /// Transactions per second, from pgbench's log over the measured time.
    pub transactions_per_s: f64,
    /// The `tps = …` pgbench printed (without connection time), as a cross-check.
    pub pgbench_tps: Option<f64>,
    /// Latency of a transaction, milliseconds.
    pub latency_ms: Percentiles,
    /// Failed transactions.
    pub failed: u64,
    /// HTTP requests/s ÷ pgbench transactions/s.
    pub throughput_ratio: f64,
    /// HTTP p50 ÷ pgbench p50.
    pub p50_ratio: f64,
    /// HTTP p99 ÷ pgbench p99.
    pub p99_ratio: f64,
    /// Statements per request, on average.
    pub statements_per_request: f64,
    /// The scripts replayed, one per captured request.
    pub scripts: Vec<String>,
}

impl AnchorResult {
    /// The printed line, under the scenario's.
    pub fn line(&self) -> String {
        let l = &self.latency_ms;
        format!(
            "{:<14} {:>9} {:>10.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2}  {}  \
             → HTTP/SQL: {:.2}× the rate, p50 {:.1}×, p99 {:.1}× ({:.1} statements/request)",
            "  pgbench",
            self.transactions,
            self.transactions_per_s,
            l.p50,
            l.p90,
            l.p99,
            l.p999,
            if self.failed == 0 {
                "none".to_owned()
            } else {
                errors_text(&BTreeMap::from([("failed".to_owned(), self.failed)]))
            },
            self.throughput_ratio,
            self.p50_ratio,
            self.p99_ratio,
            self.statements_per_request,
        )
    }
}

/// Finds pgbench: the given path, then `PATH`, then the Debian PostgreSQL layout.
pub fn find_pgbench(given: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = given {
        return if path.is_file() {
            Ok(path.to_owned())
        } else {
            Err(format!("--pgbench {} is not a file", path.display()))
        };
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join("pgbench"))
        .find(|p| p.is_file());
    if let Some(path) = on_path {
        return Ok(path);
    }
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| {
            dirs.filter_map(Result::ok)
                .map(|d| d.path().join("bin/pgbench"))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    debian.sort();
    debian.pop().ok_or_else(|| {
        "pgbench not found on PATH nor under /usr/lib/postgresql/*/bin \
         (install postgresql-client or pass --pgbench)"
            .to_owned()
    })
}

/// Captures the scenario's SQL, runs pgbench on it and compares.
pub async fn measure(
    world: &World,
    scenario: &Scenario,
    http: &ScenarioResult,
    pgbench: &Path,
    database_url: &str,
    options: &Options,
) -> anyhow::Result<AnchorResult> {
    let captured = scenarios::capture_sql(world, scenario, CAPTURED_REQUESTS).await;
    let scripts: Vec<String> = captured
        .iter()
        .map(|statements| script(statements))
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if scripts.is_empty() {
        bail!("no SQL was captured (is the server in this process on PostgreSQL?)");
    }
    let statements = scripts.iter().map(|s| s.lines().count()).sum::<usize>();
    let dir = tempfile::tempdir()?;
    let mut args: Vec<String> = vec![
        "--no-vacuum".into(),
        "--protocol=prepared".into(),
        format!("--client={}", options.concurrency),
        format!(
            "--jobs={}",
            options
                .concurrency
                .min(std::thread::available_parallelism().map_or(1, |n| n.get()))
        ),
        format!("--time={seconds}", seconds = pgbench_seconds(options)),
        "--log".into(),
        format!("--log-prefix={}", dir.path().join("tx").display()),
    ];
    for (i, text) in scripts.iter().enumerate() {
        let file = dir.path().join(format!("request-{i:02}.sql"));
        std::fs::write(&file, text)?;
        args.push(format!("--file={}", file.display()));
    }
    args.push(database_url.to_owned());

    let exe = pgbench.to_owned();
    let log_dir = dir.path().to_owned();
    let (output, stats) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let output = Command::new(&exe)
            .args(&args)
            .output()
            .with_context(|| format!("running {}", exe.display()))?;
        let stats = read_logs(&log_dir)?;
        Ok((output, stats))
    })
    .await??;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "pgbench exited with {}: {}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim(),
            stdout.trim()
        );
    }
    let seconds = pgbench_seconds(options) as f64;
    let transactions = stats.latency.len();
    let failed = stats.errors.values().sum();
    let transactions_per_s = transactions as f64 / seconds;
    let latency_ms = Percentiles::of(&stats);
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    let throughput_ratio = ratio(http.requests_per_s, transactions_per_s);
    let p50_ratio = ratio(http.latency_ms.p50, latency_ms.p50);
    let p99_ratio = ratio(http.latency_ms.p99, latency_ms.p99);
    Ok(AnchorResult {
        protocol: "prepared".into(),
        transactions,
        transactions_per_s,
        pgbench_tps: parse_tps(&stdout),
        latency_ms,
        failed,
        throughput_ratio,
        p50_ratio,
        p99_ratio,
        statements_per_request: statements as f64 / scripts.len() as f64,
        scripts,
    })
}

/// pgbench's `--time` in whole seconds (at least one).
fn pgbench_seconds(options: &Options) -> u64 {
    options.duration.as_secs_f64().round().max(1.0) as u64
}

/// Reads pgbench's per-transaction logs (`client tx latency_us script epoch us`).
fn read_logs(dir: &Path) -> anyhow::Result<Stats> {
    let mut stats = Stats::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_log = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("tx."));
        if !is_log {
            continue;
        }
        for line in std::fs::read_to_string(&path)?.lines() {
            let Some(field) = line.split_whitespace().nth(2) else {
                continue;
            };
            match field.parse::<u64>() {
                Ok(micros) => stats.record_micros(micros, Some(200)),
                Err(_) => stats.record_micros(1, None),
            }
        }
    }
    Ok(stats)
}

/// `tps = 1234.5 (without initial connection time)`.
fn parse_tps(stdout: &str) -> Option<f64> {
    stdout
        .lines()
        .filter(|l| l.starts_with("tps = ") && l.contains("without"))
        .find_map(|l| l.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// One request's statements as a pgbench script: binds inlined, one statement a line.
fn script(statements: &[String]) -> anyhow::Result<String> {
    let mut out = String::new();
    for statement in statements {
        if statement
            .trim_start()
            .to_ascii_uppercase()
            .starts_with("SET ")
        {
            continue;
        }
        let sql = inline_binds(statement)?;
        let sql = sql.trim().trim_end_matches(';').replace('\n', " ");
        out.push_str(&sql);
        out.push_str(";\n");
    }
    Ok(out)
}

/// Turns `SELECT … $1 … -- binds: ["x", 3]` into `SELECT … 'x' …`.
fn inline_binds(debug: &str) -> anyhow::Result<String> {
    let Some((sql, binds)) = debug.rsplit_once(" -- binds: ") else {
        return Ok(debug.to_owned());
    };
    let literals = parse_binds(binds).with_context(|| format!("reading the binds of {debug}"))?;
    let mut sql = sql.to_owned();
    // Highest first, so that `$1` does not eat the start of `$10`.
    for (i, literal) in literals.iter().enumerate().rev() {
        let placeholder = format!("${}", i + 1);
        anyhow::ensure!(sql.contains(&placeholder), "no {placeholder} in {sql}");
        sql = sql.replace(&placeholder, literal);
    }
    Ok(sql)
}

/// Reads diesel's debug list of binds into SQL literals.
fn parse_binds(text: &str) -> anyhow::Result<Vec<String>> {
    let inner = text
        .trim()
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .context("binds are not a list")?;
    let mut literals = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            break;
        };
        if first == '"' {
            chars.next();
            literals.push(quote(&read_rust_string(&mut chars)?));
            continue;
        }
        let mut token = String::new();
        let mut depth = 0i32;
        while let Some(&c) = chars.peek() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ',' if depth == 0 => break,
                _ => {}
            }
            token.push(c);
            chars.next();
        }
        literals.push(literal_of_token(token.trim())?);
    }
    Ok(literals)
}

/// An unquoted bind: number, boolean, `None`, `Some(x)`, or anything else (dates) as text.
fn literal_of_token(token: &str) -> anyhow::Result<String> {
    if token == "None" {
        return Ok("NULL".into());
    }
    if let Some(inner) = token
        .strip_prefix("Some(")
        .and_then(|t| t.strip_suffix(')'))
    {
        let mut inner_literals = parse_binds(&format!("[{inner}]"))?;
        return inner_literals.pop().context("empty Some(..)");
    }
    if token == "true" || token == "false" || token.parse::<f64>().is_ok() {
        return Ok(token.to_owned());
    }
    Ok(quote(token))
}

/// Reads the rest of a Rust `Debug` string literal (after the opening quote).
fn read_rust_string(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
) -> anyhow::Result<String> {
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Ok(out),
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some('u') => {
                    let code: String = chars
                        .by_ref()
                        .skip_while(|c| *c == '{')
                        .take_while(|c| *c != '}')
                        .collect();
                    let value = u32::from_str_radix(&code, 16)?;
                    out.push(char::from_u32(value).context("bad \\u escape")?);
                }
                Some(other) => out.push(other),
                None => bail!("unterminated escape"),
            },
            c => out.push(c),
        }
    }
    bail!("unterminated string")
}

/// A SQL string literal. pgbench reads `:name` in SQL as a variable even inside quotes, so
/// colons (timestamps, cursors) are written as `E'\x3a'` escapes.
fn quote(text: &str) -> String {
    if text.contains(':') || text.contains('\\') {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('\'', "''")
            .replace(':', "\\x3a");
        format!("E'{escaped}'")
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::{inline_binds, parse_binds, script};

    #[test]
    fn binds_become_sql_literals() {
        let literals =
            parse_binds(r#"["commune", 21, 2025-12-31, None, Some("a'b"), "10:00", true]"#)
                .unwrap_or_default();
        assert_eq!(
            literals,
            [
                "'commune'",
                "21",
                "'2025-12-31'",
                "NULL",
                "'a''b'",
                r"E'10\x3a00'",
                "true"
            ]
        );
    }

    #[test]
    fn placeholders_are_replaced_from_the_highest() {
        let debug = format!(
            "SELECT {} -- binds: [{}]",
            (1..=10)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", "),
            (1..=10)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert_eq!(
            inline_binds(&debug).unwrap_or_default(),
            "SELECT 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
        );
    }

    #[test]
    fn a_script_has_one_statement_a_line_without_connection_set_up() {
        let statements = vec![
            "SET statement_timeout = 30000; SET TIME ZONE 'UTC'".to_owned(),
            "SELECT 1".to_owned(),
            "SELECT \"units\".\"code\" FROM \"units\" WHERE (\"units\".\"kind\" = $1) LIMIT $2 -- binds: [\"commune\", 21]".to_owned(),
        ];
        assert_eq!(
            script(&statements).unwrap_or_default(),
            "SELECT 1;\nSELECT \"units\".\"code\" FROM \"units\" WHERE (\"units\".\"kind\" = 'commune') LIMIT 21;\n"
        );
    }
}
