//! The plan catalog over HTTP: the documents' totals through `GET /plans/{id}/totals`, create /
//! read / update / delete of every entity, validation by JSON pointer, pagination, search
//! without diacritics, and ETag concurrency.

use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::support::{assert_problem, json, spawn_app, Role, TestApp, Who};

/// One triệu đồng in VND.
const T: i64 = 1_000_000;
const COORDINATOR: Who = Who::User(Role::Coordinator);

async fn call(
    app: &TestApp,
    who: Who,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Response {
    let mut request = app.request_as(who, method, path).await;
    if let Some(b) = body {
        request = request.json(&b);
    }
    request.send().await.expect("request")
}

fn etag_of(response: &Response) -> String {
    response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned()
}

/// Plan ids by key, read through the listing.
async fn plan_id(app: &TestApp, key: &str) -> i64 {
    let page = json(
        call(
            app,
            Who::User(Role::Viewer),
            Method::GET,
            "/api/v1/plans?limit=200",
            None,
        )
        .await,
    )
    .await;
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["code"] == key)
        .and_then(|p| p["id"].as_i64())
        .unwrap_or_else(|| panic!("no plan {key}: {page}"))
}

async fn totals(app: &TestApp, who: Who, key: &str) -> Value {
    let id = plan_id(app, key).await;
    let response = call(
        app,
        who,
        Method::GET,
        &format!("/api/v1/plans/{id}/totals"),
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
    json(response).await
}

#[tokio::test]
async fn totals_over_http_reproduce_the_documents_and_their_mismatches() {
    let app = spawn_app().await;

    // 2022: 118.225 = 64.900 investment (15.000 central + 49.900 local) + 53.325 recurrent.
    let t = totals(&app, Who::User(Role::Viewer), "KH-145-2022").await;
    let c = &t["computed"];
    assert_eq!(c["investment_vnd"], 64_900 * T);
    assert_eq!(c["investment_by_source"]["central_vnd"], 15_000 * T);
    assert_eq!(c["investment_by_source"]["local_vnd"], 49_900 * T);
    assert_eq!(c["recurrent_vnd"], 53_325 * T);
    assert_eq!(c["total_vnd"], 118_225 * T);
    assert_eq!(t["declared"]["total_vnd"], 118_225 * T);
    assert_eq!(t["mismatches"], json!([]));
    assert_eq!(t["warnings"].as_array().map(Vec::len), Some(1));
    assert_eq!(t["warnings"][0]["item_code"], "KH145-2022-DA-01");
    assert_eq!(t["warnings"][0]["code"], "funding_exceeds_total_investment");
    assert_eq!(t["warnings"][0]["amount_vnd"], 5_800 * T);
    assert_eq!(t["warnings"][0]["limit_vnd"], 5_618 * T);

    // 2024: 202.663 = 138.459 + 64.204; read by the commune's machine client (catalog:read).
    let t = totals(&app, Who::CommuneClient, "KH-52-2024").await;
    assert_eq!(t["computed"]["investment_vnd"], 138_459 * T);
    assert_eq!(t["computed"]["recurrent_vnd"], 64_204 * T);
    assert_eq!(t["computed"]["total_vnd"], 202_663 * T);
    assert_eq!(t["mismatches"], json!([]));

    // 2023: the tables do not add up to their printed totals; every difference is reported.
    let t = totals(&app, COORDINATOR, "KH-99-2023").await;
    let mut got: Vec<(String, String, i64, i64, i64)> = t["mismatches"]
        .as_array()
        .expect("mismatches")
        .iter()
        .map(|m| {
            (
                m["scope"].as_str().unwrap_or_default().to_owned(),
                m["field"].as_str().unwrap_or_default().to_owned(),
                m["declared_vnd"].as_i64().unwrap_or_default() / T,
                m["computed_vnd"].as_i64().unwrap_or_default() / T,
                m["difference_vnd"].as_i64().unwrap_or_default() / T,
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        (
            "budget_lines".to_owned(),
            "amount_vnd".to_owned(),
            87_143,
            88_563,
            -1_420,
        ),
        (
            "plan".to_owned(),
            "investment_vnd".to_owned(),
            84_027,
            84_008,
            19,
        ),
        (
            "plan".to_owned(),
            "recurrent_vnd".to_owned(),
            87_143,
            88_563,
            -1_420,
        ),
        (
            "plan".to_owned(),
            "total_vnd".to_owned(),
            171_170,
            172_571,
            -1_401,
        ),
        (
            "projects".to_owned(),
            "implemented_plan_year_vnd".to_owned(),
            84_027,
            84_008,
            19,
        ),
        (
            "projects".to_owned(),
            "total_investment_vnd".to_owned(),
            319_944,
            319_925,
            19,
        ),
    ];
    want.sort();
    assert_eq!(got, want);

    // Anonymous callers get nothing; an unknown plan is a 404 problem.
    let response = call(
        &app,
        Who::Anonymous,
        Method::GET,
        "/api/v1/plans/1/totals",
        None,
    )
    .await;
    assert_problem(response, 401, "unauthorized").await;
    let response = call(
        &app,
        COORDINATOR,
        Method::GET,
        "/api/v1/plans/999999/totals",
        None,
    )
    .await;
    assert_problem(response, 404, "not_found").await;
}

async fn create_plan(app: &TestApp) -> (i64, String) {
    let response = call(
        app,
        COORDINATOR,
        Method::POST,
        "/api/v1/plans",
        Some(json!({
            "code": "KH-HTTP-2026", "title": "Kế hoạch thử nghiệm", "kind": "annual",
            "first_year": 2026, "last_year": 2026, "status": "draft", "issuer_unit": "DONG-THAP",
            "declared": {"investment_vnd": 3_400_000_000_i64},
            "legal_bases": [{"citation": "Nghị định số 85/2016/NĐ-CP", "date": "2016-07-01"}]
        })),
    )
    .await;
    assert_eq!(response.status(), 201);
    let id = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .and_then(|l| l.rsplit('/').next())
        .and_then(|s| s.parse().ok())
        .expect("location");
    let etag = etag_of(&response);
    let body = json(response).await;
    assert_eq!(body["id"], id);
    assert_eq!(body["version"], 1);
    assert_eq!(body["code"], "KH-HTTP-2026");
    assert_eq!(body["legal_bases"][0]["date"], "2016-07-01");
    (id, etag)
}

#[tokio::test]
async fn plans_over_http_with_etags_and_if_match() {
    let app = spawn_app().await;
    let (id, etag) = create_plan(&app).await;
    let path = format!("/api/v1/plans/{id}");

    let response = app
        .request_as(Who::User(Role::Viewer), Method::GET, &path)
        .await
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 304);

    let response = app
        .request_as(COORDINATOR, Method::PATCH, &path)
        .await
        .header("If-Match", &etag)
        .json(&json!({"status": "issued", "declared": {"total_vnd": 3_400_000_000_i64}}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let new_etag = etag_of(&response);
    assert_ne!(new_etag, etag);
    let body = json(response).await;
    assert_eq!(body["status"], "issued");
    assert_eq!(
        body["declared"]["investment_vnd"], 3_400_000_000_i64,
        "merge patch keeps siblings"
    );

    // The old ETag is stale now.
    let response = app
        .request_as(COORDINATOR, Method::PATCH, &path)
        .await
        .header("If-Match", &etag)
        .json(&json!({"title": "Khác"}))
        .send()
        .await
        .expect("request");
    assert_problem(response, 412, "precondition_failed").await;
    // A malformed change is judged first: 422, whatever its If-Match says.
    for if_match in [etag.as_str(), "\"not-ours\"", ""] {
        let response = app
            .request_as(COORDINATOR, Method::PATCH, &path)
            .await
            .header("If-Match", if_match)
            .json(&json!({"title": "", "legal_bases": [{"citation": "x", "date": [1]}]}))
            .send()
            .await
            .expect("request");
        assert_problem(response, 422, "validation_failed").await;
    }
    // A well-formed change with an ETag the server never issued is stale.
    let response = app
        .request_as(COORDINATOR, Method::PATCH, &path)
        .await
        .header("If-Match", "\"not-ours\"")
        .json(&json!({"title": "Khác"}))
        .send()
        .await
        .expect("request");
    assert_problem(response, 412, "precondition_failed").await;

    // Duplicate key, bad fields, wrong roles.
    let response = call(
        &app,
        COORDINATOR,
        Method::POST,
        "/api/v1/plans",
        Some(json!({"code": "KH-HTTP-2026", "title": "x", "kind": "annual", "first_year": 2026, "last_year": 2026, "status": "draft"})),
    )
    .await;
    assert_problem(response, 409, "already_exists").await;
    let response = call(
        &app,
        COORDINATOR,
        Method::POST,
        "/api/v1/plans",
        Some(json!({"code": "KH-X", "title": "", "kind": "weekly", "first_year": 2027, "last_year": 2026, "status": "draft"})),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["pointer"].as_str().unwrap_or_default())
        .collect();
    for p in ["/kind", "/last_year", "/title"] {
        assert!(pointers.contains(&p), "{p} in {problem}");
    }
    assert!(problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .all(|e| e["in"] == "body"));
    let response = call(
        &app,
        Who::User(Role::Viewer),
        Method::PATCH,
        &path,
        Some(json!({"title": "x"})),
    )
    .await;
    assert_problem(response, 403, "forbidden").await;
    let response = call(
        &app,
        Who::CommuneClient,
        Method::POST,
        "/api/v1/plans",
        Some(json!({})),
    )
    .await;
    assert_problem(response, 403, "forbidden").await;
}

/// A valid body per item kind, and a patch of one of its fields.
fn item_bodies(segment: &str) -> (Value, Value, &'static str) {
    match segment {
        "indicators" => (
            json!({"code": "HTTP-01", "name": "Tỷ lệ hồ sơ trực tuyến", "pillar": "chinh_quyen_so",
                   "measure": "percent", "direction": "at_least",
                   "targets": [{"year": 2026, "value": 80, "text": "Trên 80%"}],
                   "lead": {"units": ["SO-KHCN"]}}),
            json!({"name": "Tỷ lệ hồ sơ trực tuyến toàn trình"}),
            "name",
        ),
        "tasks" => (
            json!({"code": "HTTP-01", "content": "Triển khai nền tảng", "timing_text": "Quý II/2026",
                   "lead": {"units": ["SO-KHCN"]}}),
            json!({"content": "Triển khai nền tảng số"}),
            "content",
        ),
        "projects" => (
            json!({"code": "HTTP-01", "name": "Hệ thống thông tin", "investor_unit": "SO-KHCN",
                   "total_investment_vnd": 5_618_000_000_i64, "funding": {"local_vnd": 5_800_000_000_i64},
                   "allocations": [{"year": 2026, "allocated_vnd": 3_400_000_000_i64}]}),
            json!({"name": "Hệ thống thông tin ngành"}),
            "name",
        ),
        _ => (
            json!({"code": "HTTP-01", "name": "Duy trì Trung tâm dữ liệu", "amount_vnd": 1_917_000_000_i64,
                   "implementing": {"units": ["SO-KHCN"]}, "budget_category": "SNKT"}),
            json!({"name": "Duy trì và vận hành Trung tâm dữ liệu"}),
            "name",
        ),
    }
}

#[tokio::test]
async fn every_item_kind_is_created_read_updated_and_deleted_over_http() {
    let app = spawn_app().await;
    let (plan, _) = create_plan(&app).await;
    for segment in ["indicators", "tasks", "projects", "budget-lines"] {
        let collection = format!("/api/v1/plans/{plan}/{segment}");
        let (body, patch, field) = item_bodies(segment);
        let response = call(&app, COORDINATOR, Method::POST, &collection, Some(body)).await;
        assert_eq!(response.status(), 201, "{segment}");
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("location")
            .to_owned();
        let etag = etag_of(&response);
        let created = json(response).await;
        assert_eq!(location, format!("{collection}/{}", created["id"]));
        assert_eq!(created["plan_id"], plan);
        if segment == "projects" {
            assert_eq!(
                created["warnings"][0]["code"],
                "funding_exceeds_total_investment"
            );
        }
        if segment == "tasks" {
            assert_eq!(created["due_date"], "2026-06-30");
        }

        // Read it back, as a viewer and as the commune's client.
        for who in [Who::User(Role::Viewer), Who::CommuneClient] {
            let response = call(&app, who, Method::GET, &location, None).await;
            assert_eq!(response.status(), 200);
            assert_eq!(etag_of(&response), etag);
            let got = json(response).await;
            assert_eq!(got, created, "{segment}");
        }

        // Update with the current ETag, then the stale one is refused.
        let response = app
            .request_as(COORDINATOR, Method::PATCH, &location)
            .await
            .header("If-Match", &etag)
            .json(&patch)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{segment}");
        let updated = json(response).await;
        assert_eq!(updated[field], patch[field]);
        assert_eq!(updated["version"], 2);
        assert_eq!(updated["code"], "HTTP-01", "untouched fields stay");
        let response = app
            .request_as(COORDINATOR, Method::DELETE, &location)
            .await
            .header("If-Match", &etag)
            .send()
            .await
            .expect("request");
        assert_problem(response, 412, "precondition_failed").await;

        // Writers only.
        let response = call(
            &app,
            Who::User(Role::UnitReporter),
            Method::DELETE,
            &location,
            None,
        )
        .await;
        assert_problem(response, 403, "forbidden").await;

        // Delete, then it is gone.
        let response = app
            .request_as(Who::User(Role::Admin), Method::DELETE, &location)
            .await
            .header("If-Match", "\"v2\"")
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 204, "{segment}");
        let response = call(&app, COORDINATOR, Method::GET, &location, None).await;
        assert_problem(response, 404, "not_found").await;
        let page = json(call(&app, COORDINATOR, Method::GET, &collection, None).await).await;
        assert_eq!(page["items"], json!([]));
    }
}

#[tokio::test]
async fn validation_errors_name_each_field_by_json_pointer() {
    let app = spawn_app().await;
    let (plan, _) = create_plan(&app).await;
    let path = format!("/api/v1/plans/{plan}/indicators");
    let response = call(
        &app,
        COORDINATOR,
        Method::POST,
        &path,
        Some(json!({
            "code": "a b", "name": "", "pillar": "chinh quyen so", "measure": "percent",
            "direction": "at_least",
            "targets": [{"year": 2025, "value": 50, "text": "50%"}, {"year": 2026, "value": 106.8, "text": "106,8%"}],
            "lead": {"units": ["XA-KHONG"]}
        })),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    let got: Vec<(String, String)> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["pointer"].as_str().unwrap_or_default().to_owned(),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for want in [
        ("/code", "invalid_code"),
        ("/name", "required"),
        ("/pillar", "invalid_enum"),
        ("/targets/0/year", "outside_plan_years"),
        ("/targets/1/value", "out_of_range"),
    ] {
        assert!(
            got.contains(&(want.0.into(), want.1.into())),
            "{want:?} in {got:?}"
        );
    }
    // A wrong type and an unknown field are named the same way.
    let response = call(
        &app,
        COORDINATOR,
        Method::POST,
        &path,
        Some(json!({"code": "X", "targets": [{"year": "2026", "text": "x"}]})),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/targets/0/year");
    assert_eq!(problem["errors"][0]["code"], "invalid_type");
    let response = call(
        &app,
        COORDINATOR,
        Method::POST,
        &path,
        Some(json!({"colour": "red"})),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/colour");
    assert_eq!(problem["errors"][0]["code"], "unknown_field");
    // A unit that does not exist (checked against the registry once the shape is valid).
    let response = call(
        &app,
        COORDINATOR,
        Method::POST,
        &path,
        Some(
            json!({"code": "X", "name": "Chỉ tiêu", "pillar": "ha_tang_so", "measure": "count",
                    "direction": "at_least", "lead": {"units": ["XA-KHONG-CO"]}}),
        ),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/lead/units/0");
    assert_eq!(problem["errors"][0]["code"], "unknown_unit");
    // Nothing was written.
    let page = json(call(&app, COORDINATOR, Method::GET, &path, None).await).await;
    assert_eq!(page["items"], json!([]));
    // Malformed JSON is a 400, a body for an unknown plan a 404.
    let response = app
        .request_as(COORDINATOR, Method::POST, &path)
        .await
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    let (body, _, _) = item_bodies("indicators");
    let response = call(
        &app,
        COORDINATOR,
        Method::POST,
        "/api/v1/plans/999999/indicators",
        Some(body),
    )
    .await;
    assert_problem(response, 404, "not_found").await;
}

async fn codes_of_all_pages(app: &TestApp, path: &str, limit: u32) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut url = format!("{path}{sep}limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let response = call(app, Who::User(Role::Viewer), Method::GET, &url, None).await;
        assert_eq!(response.status(), 200, "{url}");
        let page = json(response).await;
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= limit as usize);
        out.extend(
            items
                .iter()
                .map(|i| i["code"].as_str().expect("code").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    out
}

#[tokio::test]
async fn listings_paginate_filter_and_search_without_diacritics() {
    let app = spawn_app().await;
    let plan = plan_id(&app, "KH-99-2023").await;
    let base = format!("/api/v1/plans/{plan}/indicators");
    let all = codes_of_all_pages(&app, &base, 200).await;
    assert_eq!(all.len(), 51);
    assert_eq!(
        codes_of_all_pages(&app, &base, 7).await,
        all,
        "paging neither skips nor repeats"
    );
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted);

    let full = json(
        call(
            &app,
            Who::User(Role::Viewer),
            Method::GET,
            &format!("{base}?limit=200"),
            None,
        )
        .await,
    )
    .await;
    let items = full["items"].as_array().expect("items").clone();
    let folded = |s: &str| dtihub_domain::text::fold(s);

    // Search without diacritics: "chinh quyen so" style queries match the accented names.
    for (q, raw) in [
        ("dich%20vu%20cong%20truc%20tuyen", "dich vu cong truc tuyen"),
        ("D%E1%BB%8ACH%20V%E1%BB%A4", "DỊCH VỤ"),
    ] {
        let found = codes_of_all_pages(&app, &format!("{base}?q={q}"), 5).await;
        let want: Vec<String> = items
            .iter()
            .filter(|i| folded(i["name"].as_str().unwrap_or_default()).contains(&folded(raw)))
            .map(|i| i["code"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert!(!want.is_empty());
        assert_eq!(found, want, "{raw}");
    }
    // Pillar.
    let found = codes_of_all_pages(&app, &format!("{base}?pillar=chinh_quyen_so"), 200).await;
    let want: Vec<String> = items
        .iter()
        .filter(|i| i["pillar"] == "chinh_quyen_so")
        .map(|i| i["code"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(found, want);

    // Lead unit on the 2024 tasks, against the items' own lead units.
    let plan_2024 = plan_id(&app, "KH-52-2024").await;
    let tasks = format!("/api/v1/plans/{plan_2024}/tasks");
    let page = json(
        call(
            &app,
            Who::User(Role::Viewer),
            Method::GET,
            &format!("{tasks}?limit=200"),
            None,
        )
        .await,
    )
    .await;
    let want: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|t| {
            t["lead"]["units"]
                .as_array()
                .is_some_and(|u| u.contains(&json!("SO-TTTT")))
        })
        .map(|t| t["code"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(
        codes_of_all_pages(&app, &format!("{tasks}?lead_unit=so-tttt"), 9).await,
        want
    );

    // Plans: search and year.
    let plans = codes_of_all_pages(&app, "/api/v1/plans?q=nong%20nghiep", 10).await;
    assert_eq!(plans, vec!["KH-NN-2023"]);
    let plans = codes_of_all_pages(&app, "/api/v1/plans?year=2024", 10).await;
    assert_eq!(plans, vec!["KH-52-2024", "KH-NN-2023"]);

    // Bad parameters are named.
    for (query, parameter, code) in [
        ("pillar=khac", "pillar", "invalid_enum"),
        ("lead_unit=%C4%90", "lead_unit", "invalid_unit_code"),
        ("limit=0", "limit", "out_of_range"),
        ("cursor=xyz", "cursor", "invalid_cursor"),
    ] {
        let response = call(
            &app,
            Who::User(Role::Viewer),
            Method::GET,
            &format!("{base}?{query}"),
            None,
        )
        .await;
        let problem = assert_problem(response, 400, "invalid_query").await;
        assert_eq!(problem["errors"][0]["parameter"], parameter, "{query}");
        assert_eq!(problem["errors"][0]["code"], code, "{query}");
    }
    // A cursor of another listing is refused.
    let page = json(
        call(
            &app,
            Who::User(Role::Viewer),
            Method::GET,
            "/api/v1/plans?limit=1",
            None,
        )
        .await,
    )
    .await;
    let cursor = page["next_cursor"].as_str().expect("cursor");
    let response = call(
        &app,
        Who::User(Role::Viewer),
        Method::GET,
        &format!("{base}?cursor={cursor}"),
        None,
    )
    .await;
    assert_problem(response, 400, "invalid_query").await;
}

#[tokio::test]
async fn concurrent_updates_with_the_same_etag_one_wins_one_gets_412() {
    let app = spawn_app().await;
    let (plan, _) = create_plan(&app).await;
    let collection = format!("/api/v1/plans/{plan}/budget-lines");
    let (body, _, _) = item_bodies("budget-lines");
    let response = call(&app, COORDINATOR, Method::POST, &collection, Some(body)).await;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_owned();
    // Both tokens first, so the two updates race on the database only.
    let admin = app.token_of(Who::User(Role::Admin)).await.expect("token");
    let coordinator = app.token_of(COORDINATOR).await.expect("token");
    for round in 0..10_i64 {
        let response = call(&app, COORDINATOR, Method::GET, &location, None).await;
        let etag = etag_of(&response);
        let send = |token: &str, amount: i64| {
            app.request_with(token, Method::PATCH, &location)
                .header("If-Match", &etag)
                .json(&json!({"amount_vnd": amount}))
                .send()
        };
        let (a, b) = tokio::join!(
            send(&admin, 1_000 + round),
            send(&coordinator, 2_000 + round)
        );
        let mut statuses = [
            a.expect("a").status().as_u16(),
            b.expect("b").status().as_u16(),
        ];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "round {round}");
        let now = json(call(&app, COORDINATOR, Method::GET, &location, None).await).await;
        assert_eq!(now["version"], round + 2, "exactly one update per round");
        let amount = now["amount_vnd"].as_i64().expect("amount");
        assert!(
            amount == 1_000 + round || amount == 2_000 + round,
            "no lost or mixed update"
        );
    }
}
