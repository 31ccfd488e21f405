//! Exports over HTTP: the XLSX files read back with calamine carry the documents' 2023
//! figures (computed here from the catalog and the evaluation the API serves), the CSV files
//! print numbers as the documents do, and the file is named for both old and new clients.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::Method;
use serde_json::Value;

use crate::aggregates::{get_json, plan_id};
use crate::support::{assert_problem, spawn_app, Role, TestApp, Who};

const VIEWER: Who = Who::User(Role::Viewer);

async fn download(app: &TestApp, path: &str) -> (String, String, Vec<u8>) {
    let response = app
        .request_as(VIEWER, Method::GET, path)
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    let (kind, disposition) = (header("content-type"), header("content-disposition"));
    (kind, disposition, response.bytes().await.unwrap().to_vec())
}

fn sheet(bytes: Vec<u8>) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn number(cell: &Data) -> f64 {
    match cell {
        Data::Float(f) => *f,
        #[allow(clippy::cast_precision_loss)]
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

fn row_with<'a>(rows: &'a [Vec<Data>], needle: &str) -> &'a Vec<Data> {
    rows.iter()
        .find(|r| r.iter().any(|c| text(c).contains(needle)))
        .unwrap_or_else(|| panic!("no row with {needle}"))
}

#[allow(clippy::cast_precision_loss)]
fn millions(v: i64) -> f64 {
    v as f64 / 1_000_000.0
}

#[tokio::test]
async fn the_2023_indicator_results_open_in_a_spreadsheet_with_the_documents_figures() {
    let app = spawn_app().await;
    let plan = plan_id(&app.store, "KH-99-2023");
    let (kind, disposition, bytes) = download(
        &app,
        &format!("/api/v1/exports/indicator-results.xlsx?plan={plan}&year=2023"),
    )
    .await;
    assert_eq!(
        kind,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        disposition
            .starts_with("attachment; filename=\"ket-qua-chi-tieu-kh-99-2023-nam-2023.xlsx\""),
        "{disposition}"
    );
    assert!(
        disposition.contains("filename*=UTF-8''K%E1%BA%BFt%20qu%E1%BA%A3"),
        "{disposition}"
    );
    let rows = sheet(bytes);
    // Title row names the plan and the year; the header row is in Vietnamese.
    assert!(text(&rows[0][0]).contains("99/KH-UBND") && text(&rows[0][0]).contains("2023"));
    let header = row_with(&rows, "Tên chỉ tiêu");
    let headers: Vec<String> = header.iter().map(text).collect();
    assert_eq!(
        headers,
        [
            "Stt",
            "Tên chỉ tiêu",
            "Kết quả thực hiện",
            "Đánh giá",
            "Ghi chú"
        ]
    );
    // The evaluation the API serves is what the sheet shows.
    let e = get_json(
        &app,
        VIEWER,
        &format!("/api/v1/aggregates/evaluation?plan={plan}&year=2023"),
    )
    .await;
    let printed = |a: &Value| match a.as_str() {
        Some("exceeded") => "Vượt",
        Some("met") => "Đạt",
        Some("not_met") => "Chưa đạt",
        _ => "",
    };
    let mut items = 0;
    for item in e["items"].as_array().unwrap() {
        let row = rows
            .iter()
            .find(|r| text(&r[1]) == item["name"].as_str().unwrap())
            .unwrap_or_else(|| panic!("{}", item["code"]));
        assert_eq!(
            text(&row[3]),
            printed(&item["official"]),
            "{}",
            item["code"]
        );
        items += 1;
    }
    assert_eq!(items, 51);
    // Row 12: 74,51% assessed Đạt (the rule would say Vượt: the note says so).
    let row12 = rows.iter().find(|r| text(&r[0]) == "12").unwrap();
    assert_eq!(text(&row12[2]), "74,51%");
    assert_eq!(text(&row12[3]), "Đạt");
    assert!(text(&row12[4]).contains("Vượt"));
    // The totals row: 43/51 achieved, 17 / 26 / 8.
    let total = rows.last().unwrap();
    assert_eq!(text(&total[2]), "Đạt 43/51");
    assert_eq!(text(&total[3]), "Vượt 17; Đạt 26; Chưa đạt 8");
    // Grouped by pillar: one heading row per pillar of the evaluation.
    let pillars = e["pillars"].as_array().unwrap().len();
    assert_eq!(
        rows.len(),
        5 + pillars + 51,
        "title, subtitle, blank, header, groups, items, total"
    );
}

#[tokio::test]
async fn the_2023_projects_and_recurrent_budget_sum_their_rows_in_trieu_dong() {
    let app = spawn_app().await;
    let plan = plan_id(&app.store, "KH-99-2023");
    let listing = get_json(
        &app,
        VIEWER,
        &format!("/api/v1/plans/{plan}/projects?limit=200"),
    )
    .await;
    let projects = listing["items"].as_array().unwrap();
    let sum = |f: &dyn Fn(&Value) -> Option<i64>| projects.iter().filter_map(f).sum::<i64>();
    let tmdt = sum(&|p| p["total_investment_vnd"].as_i64());
    let executed = sum(&|p| {
        p["allocations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["year"] == 2023)
            .and_then(|a| a["implemented_vnd"].as_i64())
    });
    // The documents' rows: 319.925 and 84.008 triệu (declared 319.944 and 84.027).
    assert_eq!((tmdt, executed), (319_925_000_000, 84_008_000_000));

    let (_, _, bytes) = download(&app, &format!("/api/v1/exports/projects.xlsx?plan={plan}")).await;
    let rows = sheet(bytes);
    let headers: Vec<String> = row_with(&rows, "Tên dự án").iter().map(text).collect();
    assert_eq!(
        headers,
        [
            "Stt",
            "Tên dự án",
            "Chủ đầu tư",
            "Tổng mức đầu tư",
            "NSTW",
            "NSĐP",
            "Giải ngân",
            "Bố trí vốn năm",
            "Ghi chú"
        ]
    );
    let total = row_with(&rows, "TỔNG CỘNG");
    assert_eq!(number(&total[3]), millions(tmdt));
    assert_eq!(number(&total[6]), millions(executed));
    assert!(text(&total[8]).contains("319.944"), "{:?}", total[8]);
    assert_eq!(
        rows.iter()
            .filter(|r| matches!(r[0], Data::Float(_) | Data::Int(_)))
            .count(),
        projects.len()
    );

    let (_, _, bytes) = download(
        &app,
        &format!("/api/v1/exports/recurrent-budget.xlsx?plan={plan}"),
    )
    .await;
    let rows = sheet(bytes);
    let total = row_with(&rows, "TỔNG CỘNG");
    assert_eq!(number(&total[3]), 88_563.0);
    assert!(text(&total[4]).contains("87.143"));

    // CSV: numbers as printed (`.` thousands), BOM, title, header, totals.
    let (kind, disposition, bytes) = download(
        &app,
        &format!("/api/v1/exports/recurrent-budget.csv?plan={plan}"),
    )
    .await;
    assert_eq!(kind, "text/csv; charset=utf-8");
    assert!(disposition.contains(".csv\""));
    let body = String::from_utf8(bytes).unwrap();
    let body = body.strip_prefix('\u{feff}').unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(records[0][0].contains("99/KH-UBND"));
    let header = records.iter().find(|r| &r[0] == "Stt").unwrap();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        [
            "Stt",
            "Danh mục",
            "Đơn vị thực hiện",
            "Tổng cộng",
            "Ghi chú"
        ]
    );
    let total = records.last().unwrap();
    assert_eq!(&total[1], "TỔNG CỘNG");
    assert_eq!(&total[3], "88.563");
}

#[tokio::test]
async fn compliance_exports_and_refusals() {
    let app = spawn_app().await;
    let c = get_json(&app, VIEWER, "/api/v1/aggregates/compliance?period=2025-09").await;
    let (_, disposition, bytes) =
        download(&app, "/api/v1/exports/compliance.csv?period=2025-09").await;
    assert!(
        disposition.contains("filename*=UTF-8''T%C3%ACnh%20h%C3%ACnh"),
        "{disposition}"
    );
    let body = String::from_utf8(bytes).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(records[0][0].contains("2025-09"));
    let units = c["units"].as_array().unwrap();
    assert_eq!(records.len(), 2 + 1 + units.len() + 1);
    let t = &c["totals"];
    assert!(records.last().unwrap()[1].contains(&format!("{}/{}", t["reported"], t["expected"])));
    let (_, _, bytes) = download(
        &app,
        "/api/v1/exports/compliance.xlsx?period=2025-09&unit_kind=department",
    )
    .await;
    let rows = sheet(bytes);
    assert!(text(&row_with(&rows, "SO-TAI-CHINH")[5]).contains("Trễ hạn"));

    for (path, status, code) in [
        ("/api/v1/exports/nothing.xlsx?plan=1", 404, "not_found"),
        ("/api/v1/exports/projects.pdf?plan=1", 404, "not_found"),
        ("/api/v1/exports/projects.xlsx", 400, "invalid_query"),
        ("/api/v1/exports/compliance.csv", 400, "invalid_query"),
        (
            "/api/v1/exports/projects.xlsx?plan=999999",
            404,
            "not_found",
        ),
    ] {
        let response = app
            .request_as(VIEWER, Method::GET, path)
            .await
            .send()
            .await
            .unwrap();
        assert_problem(response, status, code).await;
    }
    let response = app
        .request_as(
            Who::User(Role::UnitReporter),
            Method::GET,
            "/api/v1/exports/compliance.csv?period=2025-09",
        )
        .await
        .send()
        .await
        .unwrap();
    assert_problem(response, 403, "forbidden").await;
}

#[tokio::test]
async fn the_dti_ranking_exports_the_scores_ranks() {
    let app = spawn_app().await;
    let scores = get_json(
        &app,
        VIEWER,
        "/api/v1/dti/scores?period=2025&unit_kind=commune",
    )
    .await;
    let units = scores["units"].as_array().unwrap();
    assert!(units.iter().any(|u| u["rank"].is_u64()), "{scores}");
    let (kind, disposition, bytes) =
        download(&app, "/api/v1/exports/dti-ranking.xlsx?period=2025").await;
    assert!(kind.starts_with("application/vnd.openxmlformats"), "{kind}");
    assert!(
        disposition.contains("filename*=UTF-8''X%E1%BA%BFp%20h%E1%BA%A1ng%20DTI"),
        "{disposition}"
    );
    let rows = sheet(bytes);
    assert!(text(&rows[0][0]).contains("NĂM 2025"));
    for u in units {
        let row = row_with(&rows, u["unit"].as_str().unwrap());
        match u["rank"].as_u64() {
            #[allow(clippy::cast_precision_loss)]
            Some(rank) => assert_eq!(number(&row[6]), rank as f64, "{u}"),
            None => assert_eq!(text(&row[6]), "", "{u}"),
        }
    }
    let total = rows.last().unwrap();
    assert!(
        text(&total[1]).contains(&format!("{} đơn vị", units.len())),
        "{total:?}"
    );
    let (_, _, csv) = download(&app, "/api/v1/exports/dti-ranking.csv?period=2025").await;
    let csv = String::from_utf8(csv).unwrap();
    let unit_lines = csv
        .lines()
        .filter(|l| {
            units
                .iter()
                .any(|u| l.contains(u["unit"].as_str().unwrap()))
        })
        .count();
    assert_eq!(unit_lines, units.len(), "one CSV line per unit");
    let response = app
        .request_as(VIEWER, Method::GET, "/api/v1/exports/dti-ranking.csv")
        .await
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "invalid_query").await;
}
