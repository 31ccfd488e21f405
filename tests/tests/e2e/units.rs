//! `GET /api/v1/units` and `GET /api/v1/units/{code}` against the demo registry (as a viewer;
//! who may read what is in `access.rs`).

use serde_json::Value;

use crate::support::{assert_problem, json, spawn_app, Role, TestApp, Who};

fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["code"].as_str().expect("code").to_owned())
        .collect()
}

async fn all_pages(app: &TestApp, query: &str, limit: u32) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/units?limit={limit}{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let response = app.get_as(Role::Viewer, &path).await;
        assert_eq!(response.status(), 200);
        let page = json(response).await;
        let page_codes = codes(&page);
        assert!(page_codes.len() <= limit as usize);
        out.extend(page_codes);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    out
}

#[tokio::test]
async fn lists_the_demo_units_in_code_order_across_pages() {
    let app = spawn_app().await;
    let paged = all_pages(&app, "", 7).await;
    let one_page = all_pages(&app, "", 200).await;
    assert_eq!(paged, one_page, "paging must neither skip nor repeat");
    let mut sorted = paged.clone();
    sorted.sort();
    assert_eq!(paged, sorted);
    // The province, 15 current and 8 former departments (the plan catalog's units included),
    // 29 communes and wards, 3 districts.
    assert_eq!(paged.len(), 56);
    assert!(paged.contains(&"SO-KHCN".to_owned()));
    assert!(paged.contains(&"XA-TRAM-CHIM".to_owned()));
}

#[tokio::test]
async fn search_ignores_diacritics_and_case() {
    let app = spawn_app().await;
    for q in [
        "dong%20thap",
        "%C4%90%E1%BB%93ng%20Th%C3%A1p",
        "DONG%20THAP",
    ] {
        let page = json(
            app.get_as(Role::Viewer, &format!("/api/v1/units?q={q}&kind=province"))
                .await,
        )
        .await;
        assert_eq!(codes(&page), vec!["DONG-THAP"], "q={q}");
    }
    // "tram chim" finds "Ủy ban nhân dân xã Tràm Chim".
    let page = json(
        app.get_as(Role::Viewer, "/api/v1/units?q=tram%20chim")
            .await,
    )
    .await;
    assert_eq!(codes(&page), vec!["XA-TRAM-CHIM"]);
    assert_eq!(page["items"][0]["name"], "Ủy ban nhân dân xã Tràm Chim");
    // Decomposed (NFD) input matches composed (NFC) storage.
    let nfd = "Tra\u{300}m%20Chim";
    let page = json(
        app.get_as(Role::Viewer, &format!("/api/v1/units?q={nfd}"))
            .await,
    )
    .await;
    assert_eq!(codes(&page), vec!["XA-TRAM-CHIM"]);
    // "tan thanh" matches both Tân Thành and Tân Thạnh.
    let page = json(
        app.get_as(Role::Viewer, "/api/v1/units?q=tan%20thanh")
            .await,
    )
    .await;
    assert_eq!(codes(&page), vec!["XA-TAN-THANH", "XA-TAN-THANH-2"]);
    // LIKE wildcards are literal.
    let page = json(app.get_as(Role::Viewer, "/api/v1/units?q=%25").await).await;
    assert!(codes(&page).is_empty());
    let page = json(app.get_as(Role::Viewer, "/api/v1/units?q=_").await).await;
    assert!(codes(&page).is_empty());
}

#[tokio::test]
async fn filters_by_kind_and_validity() {
    let app = spawn_app().await;
    let communes = all_pages(&app, "&kind=commune", 200).await;
    assert_eq!(communes.len(), 29);
    let districts = all_pages(&app, "&kind=district", 200).await;
    assert_eq!(districts.len(), 3);
    // Before the July 2025 reorganisation the districts exist and the new communes do not.
    let active = all_pages(&app, "&active_on=2025-06-30", 200).await;
    assert!(active.contains(&"HUYEN-LAI-VUNG".to_owned()));
    assert!(!active.contains(&"XA-TRAM-CHIM".to_owned()));
    let active = all_pages(&app, "&active_on=2025-07-01", 200).await;
    assert!(!active.contains(&"HUYEN-LAI-VUNG".to_owned()));
    assert!(active.contains(&"XA-TRAM-CHIM".to_owned()));
    assert!(!active.contains(&"SO-TTTT".to_owned()));
    // Combined filters.
    let depts = all_pages(&app, "&kind=department&active_on=2024-12-31", 200).await;
    assert!(depts.contains(&"SO-TTTT".to_owned()));
    assert!(!depts.contains(&"SO-NNMT".to_owned()));
}

#[tokio::test]
async fn gets_one_unit_with_history_and_etag() {
    let app = spawn_app().await;
    let response = app.get_as(Role::Viewer, "/api/v1/units/so-tttt").await;
    assert_eq!(response.status(), 200);
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    let unit = json(response).await;
    assert_eq!(unit["code"], "SO-TTTT");
    assert_eq!(unit["kind"], "department");
    assert_eq!(unit["valid_to"], "2025-02-28");
    assert_eq!(unit["successor"], "SO-KHCN");
    assert_eq!(unit["parent"], "DONG-THAP");

    let response = app
        .request_as(
            Who::User(Role::Viewer),
            reqwest::Method::GET,
            "/api/v1/units/SO-TTTT",
        )
        .await
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 304);

    assert_problem(
        app.get_as(Role::Viewer, "/api/v1/units/XA-KHONG-CO").await,
        404,
        "not_found",
    )
    .await;
    let problem = assert_problem(
        app.get_as(Role::Viewer, "/api/v1/units/%C4%90").await,
        400,
        "invalid_path",
    )
    .await;
    assert_eq!(problem["errors"][0]["in"], "path");
    assert_eq!(problem["errors"][0]["parameter"], "code");
}

#[tokio::test]
async fn rejects_bad_query_values_naming_each_parameter() {
    let app = spawn_app().await;
    let cases = [
        ("kind=ward", "kind", "invalid_enum"),
        ("limit=0", "limit", "out_of_range"),
        ("limit=201", "limit", "out_of_range"),
        ("limit=abc", "limit", "invalid_integer"),
        ("limit=99999999999999999999", "limit", "invalid_integer"),
        ("active_on=2025-02-30", "active_on", "invalid_date"),
        ("cursor=not-a-cursor", "cursor", "invalid_cursor"),
        ("q=a%00b", "q", "invalid_characters"),
    ];
    for (query, parameter, code) in cases {
        let problem = assert_problem(
            app.get_as(Role::Viewer, &format!("/api/v1/units?{query}"))
                .await,
            400,
            "invalid_query",
        )
        .await;
        assert_eq!(problem["errors"][0]["parameter"], parameter, "{query}");
        assert_eq!(problem["errors"][0]["code"], code, "{query}");
        assert_eq!(problem["errors"][0]["in"], "query");
        assert_eq!(problem["instance"], "/api/v1/units");
    }
    let long = "a".repeat(101);
    let problem = assert_problem(
        app.get_as(Role::Viewer, &format!("/api/v1/units?q={long}"))
            .await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "too_long");
    // Several bad parameters are all reported.
    let problem = assert_problem(
        app.get_as(Role::Viewer, "/api/v1/units?kind=x&limit=0&active_on=x")
            .await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(problem["errors"].as_array().map(Vec::len), Some(3));
}
