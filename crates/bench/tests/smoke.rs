//! Keeps the bench from rotting silently: one short `read-units` run against an in-process
//! SQLite server must complete requests and see no error.

use clap::Parser;
use dtihub_bench::Options;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_units_runs_for_a_second_without_errors() {
    let options = Options::parse_from([
        "dtihub-bench",
        "--database",
        "sqlite",
        "--scenarios",
        "read-units",
        "--duration",
        "1s",
        "--warmup",
        "0s",
        "--concurrency",
        "4",
        "--communes",
        "3",
        "--no-anchors",
    ]);
    let report = dtihub_bench::run(&options).await.expect("bench run");
    let [entry] = report.scenarios.as_slice() else {
        panic!("one scenario expected, got {}", report.scenarios.len());
    };
    let result = &entry.result;
    assert_eq!(result.scenario, "read-units");
    assert!(result.requests > 0, "no request completed");
    assert!(result.errors.is_empty(), "errors: {:?}", result.errors);
    assert!(result.latency_ms.p50 > 0.0);
}
