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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_csv_and_mixed_write_every_row_they_send() {
    use dtihub_bench::report_data::INDICATORS;
    use dtihub_bench::scenarios::import_csv::PERIODS_PER_FILE;
    let options = Options::parse_from([
        "dtihub-bench",
        "--database",
        "sqlite",
        "--scenarios",
        "import-csv,mixed",
        "--duration",
        "2s",
        "--warmup",
        "0s",
        "--concurrency",
        "2",
        "--communes",
        "2",
        "--no-anchors",
    ]);
    let report = dtihub_bench::run(&options).await.expect("bench run");
    let [import, mixed] = report.scenarios.as_slice() else {
        panic!("two scenarios expected, got {}", report.scenarios.len());
    };
    let import = &import.result;
    assert_eq!(import.scenario, "import-csv");
    assert!(import.requests > 0, "no import completed");
    assert!(import.errors.is_empty(), "errors: {:?}", import.errors);
    // Every row of every file is written (imported the first pass, updated after): none is
    // ignored as identical, none rejected.
    assert_eq!(
        import.items,
        import.requests * (PERIODS_PER_FILE * INDICATORS) as u64
    );
    let mixed = &mixed.result;
    assert_eq!(mixed.scenario, "mixed");
    assert!(mixed.requests > 0);
    assert!(mixed.errors.is_empty(), "errors: {:?}", mixed.errors);
    assert_eq!(mixed.items % INDICATORS as u64, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_once_imports_every_row_in_one_request() {
    let options = Options::parse_from([
        "dtihub-bench",
        "--database",
        "sqlite",
        "--import-once",
        "2345",
    ]);
    let outcome = dtihub_bench::import_once::run(&options, 2345)
        .await
        .expect("import");
    assert_eq!(outcome.rows, 2345);
    // 1,000 rows per commune (100 indicators × 10 months): three communes, the last partly.
    assert_eq!(outcome.communes, 3);
    assert_eq!(outcome.summary["status"], "completed");
    assert_eq!(outcome.summary["imported"], 2345);
    assert_eq!(outcome.summary["rejected"], 0);
    assert!(outcome.rows_per_s > 0.0);
    assert!(outcome.copy.is_none(), "no COPY anchor on SQLite");
}
