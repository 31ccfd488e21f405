//! `dtihub-bench`: see the crate documentation and BENCHMARKS.md.

use clap::Parser;
use dtihub_bench::Options;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let options = Options::parse();
    if let Some(url) = &options.fill {
        return match dtihub_bench::fill(url, options.dataset, options.json_out.as_deref()) {
            Ok(_) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("dtihub-bench: {e:#}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    if let Some(rows) = options.import_once {
        return match dtihub_bench::import_once::run(&options, rows).await {
            Ok(outcome) => {
                println!("{}", outcome.line());
                if let Some(copy) = &outcome.copy {
                    println!("{}", copy.line());
                }
                if let Some(kib) = outcome.peak_rss_kib {
                    println!("peak RSS during the import: {:.0} MiB", kib as f64 / 1024.0);
                }
                if let Some(path) = &options.json_out {
                    let json = serde_json::to_string_pretty(&outcome).unwrap_or_default();
                    if let Err(e) = std::fs::write(path, json + "\n") {
                        eprintln!("dtihub-bench: writing {}: {e}", path.display());
                    }
                }
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("dtihub-bench: {e:#}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    match dtihub_bench::run(&options).await {
        Ok(report) if report.failed() => {
            eprintln!("dtihub-bench: some requests failed (see the errors column)");
            std::process::ExitCode::from(2)
        }
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dtihub-bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
