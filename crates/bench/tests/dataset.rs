//! The synthetic data set holds what its documented rules say: the province set is written
//! into a fresh SQLite file (migrations first, as `--fill` does) and its reports counted by
//! status, lateness and values against the same rules computed here in Rust.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use dtihub_bench::dataset::{hash, Dataset, Shape};

#[derive(QueryableByName)]
struct ByStatus {
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    reports: i64,
    #[diesel(sql_type = BigInt)]
    late: i64,
}

#[derive(QueryableByName)]
struct Figure {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[test]
fn the_province_set_follows_its_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("province.sqlite3").display().to_string();
    let summary = dtihub_bench::fill(&path, Dataset::Province, None).unwrap();
    let shape = Dataset::Province.shape().unwrap();

    let mut expected: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for u in 1..=shape.units() {
        for p in 0..shape.months {
            if let Some(status) = Shape::status(u, p) {
                let h = hash(u, p);
                let late = i64::from(status != "draft" && h % 11 > 7);
                let entry = expected.entry(status.to_owned()).or_default();
                entry.0 += 1;
                entry.1 += late;
            }
        }
    }
    let reports: i64 = expected.values().map(|(n, _)| n).sum();
    assert_eq!(summary.reports, reports);
    assert_eq!(summary.values, reports * i64::from(shape.indicators));
    assert_eq!(summary.units, i64::from(shape.units()));

    let mut conn = SqliteConnection::establish(&path).unwrap();
    let rows: Vec<ByStatus> = diesel::sql_query(
        "SELECT status, count(*) AS reports, sum(late) AS late FROM reports \
         WHERE unit_code LIKE 'SYN-%' GROUP BY status",
    )
    .load(&mut conn)
    .unwrap();
    let found: BTreeMap<String, (i64, i64)> = rows
        .into_iter()
        .map(|r| (r.status, (r.reports, r.late)))
        .collect();
    assert_eq!(found, expected);
    // Late means first submitted after the deadline, and nothing else.
    let inconsistent: Vec<Figure> = diesel::sql_query(
        "SELECT count(*) AS n FROM reports WHERE unit_code LIKE 'SYN-%' AND \
         late <> (CASE WHEN first_submitted_at IS NOT NULL \
                        AND date(first_submitted_at) > deadline THEN 1 ELSE 0 END)",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!(inconsistent[0].n, 0);
    // Ratios carry their numerator and denominator, and agree with them.
    let ratios: Vec<Figure> = diesel::sql_query(
        "SELECT count(*) AS n FROM report_indicator_values v \
         JOIN indicators i ON i.id = v.indicator_id \
         WHERE i.measure = 'percent' AND (v.denominator IS NULL OR v.denominator <= 0 \
               OR abs(v.value - 100.0 * v.numerator / v.denominator) > 1e-9)",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!(ratios[0].n, 0);
    // A second fill is refused rather than colliding.
    assert!(dtihub_bench::fill(&path, Dataset::Province, None).is_err());
}
