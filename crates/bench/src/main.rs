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
