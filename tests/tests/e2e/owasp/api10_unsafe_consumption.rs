//! API10:2023 Unsafe Consumption of APIs: what other systems push (LGSP, scripted uploads)
//! is untrusted. Malformed JSON, NUL bytes, invalid UTF-8, NaN and infinities, numbers
//! beyond every type's range, deep nesting and wrong media types sent to the report
//! endpoints are each answered 4xx, never 5xx, and nothing is written. (CSV and XLSX
//! imports are covered with the import feature.)

use reqwest::Method;
use serde_json::json;

use super::{arrange_plan, read_report, report_body, report_path, OWN, PERIOD};
use crate::support::{spawn_app, Role, Who};

#[tokio::test]
async fn hostile_report_bodies_are_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let indicators = arrange_plan(&app);
    let (a, b) = (indicators[0], indicators[1]);
    let good = report_body(&indicators, 4, "Bình thường").to_string();
    let nul_note = report_body(&indicators, 4, "có\u{0}NUL").to_string();
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let mut invalid_utf8 = good.clone().into_bytes();
    let at = invalid_utf8.len() - 10;
    invalid_utf8.splice(at..at, [0xff_u8, 0xfe, 0xc3]);
    let values = |v: &str| {
        format!(
            r#"{{"indicator_values": [{{"indicator_id": {a}, "value": {v}}}, {{"indicator_id": {b}, "value": 1}}],
               "narrative": {{"achievements": "x", "limitations": "x", "difficulties": "x", "proposals": "x"}}}}"#
        )
    };
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "truncated JSON",
            "application/json",
            good.as_bytes()[..good.len() / 2].to_vec(),
        ),
        (
            "trailing garbage",
            "application/json",
            format!("{good} x").into_bytes(),
        ),
        ("not an object", "application/json", b"[1, 2, 3]".to_vec()),
        ("JSON null", "application/json", b"null".to_vec()),
        ("empty body", "application/json", Vec::new()),
        ("NUL in a note", "application/json", nul_note.into_bytes()),
        (
            "NUL in a key",
            "application/json",
            good.replacen("narrative", "narr\\u0000ative", 1)
                .into_bytes(),
        ),
        (
            "raw NUL byte",
            "application/json",
            good.replacen("Bình", "B\u{0}nh", 1).into_bytes(),
        ),
        ("invalid UTF-8", "application/json", invalid_utf8),
        (
            "lone surrogate",
            "application/json",
            good.replacen("Bình", "\\ud800", 1).into_bytes(),
        ),
        ("NaN", "application/json", values("NaN").into_bytes()),
        (
            "Infinity",
            "application/json",
            values("Infinity").into_bytes(),
        ),
        (
            "-Infinity",
            "application/json",
            values("-Infinity").into_bytes(),
        ),
        (
            "overflowing float",
            "application/json",
            values("1e999").into_bytes(),
        ),
        (
            "value as a string of a huge number",
            "application/json",
            values("\"1e999\"").into_bytes(),
        ),
        (
            "id beyond i64",
            "application/json",
            good.replacen(&a.to_string(), "123456789012345678901234567890", 1)
                .into_bytes(),
        ),
        (
            "negative id",
            "application/json",
            good.replacen(&a.to_string(), "-1", 1).into_bytes(),
        ),
        (
            "id as a float",
            "application/json",
            good.replacen(&a.to_string(), "1.5", 1).into_bytes(),
        ),
        ("deep nesting", "application/json", deep.into_bytes()),
        (
            "duplicate items",
            "application/json",
            values("1")
                .replacen(
                    &format!("\"indicator_id\": {b}"),
                    &format!("\"indicator_id\": {a}"),
                    1,
                )
                .into_bytes(),
        ),
        ("not JSON at all", "text/plain", good.clone().into_bytes()),
        (
            "form encoded",
            "application/x-www-form-urlencoded",
            b"status=accepted".to_vec(),
        ),
        (
            "XML",
            "application/xml",
            b"<report><status>accepted</status></report>".to_vec(),
        ),
    ];
    let path = report_path(OWN, PERIOD);
    let mut surprises = Vec::new();
    for (what, content_type, body) in cases {
        let response = app
            .request_as(Who::User(Role::UnitReporter), Method::PUT, &path)
            .await
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        if !(400..500).contains(&status) {
            surprises.push(format!("{what}: {status} {text}"));
        }
    }
    // Hostile path and query values too.
    for url in [
        format!("/api/v1/units/XA%00TRAM/reports/{PERIOD}"),
        format!("/api/v1/units/{OWN}/reports/2027-03%00"),
        format!("/api/v1/units/%FF%FE/reports/{PERIOD}"),
        "/api/v1/reports?unit=%00".to_owned(),
        "/api/v1/reports?period=%FF".to_owned(),
        "/api/v1/reports?limit=99999999999999999999999".to_owned(),
    ] {
        let response = app
            .request_as(Who::User(Role::UnitReporter), Method::GET, &url)
            .await
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if !(400..500).contains(&status) {
            surprises.push(format!("GET {url}: {status}"));
        }
    }
    // And on the workflow actions.
    for action in ["submit", "return", "accept", "reopen"] {
        for body in [
            &b"{\"reason\": \"a\x00b\"}"[..],
            b"{\"acknowledge_warnings\": NaN}",
            b"\xff\xfe",
        ] {
            let response = app
                .request_as(
                    Who::User(Role::Coordinator),
                    Method::POST,
                    &format!("{path}/{action}"),
                )
                .await
                .header("content-type", "application/json")
                .body(body.to_vec())
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            if !(400..500).contains(&status) {
                surprises.push(format!("POST {action} {body:?}: {status}"));
            }
        }
    }
    assert!(surprises.is_empty(), "{}", surprises.join("\n"));
    let report = read_report(&app, OWN, PERIOD).await;
    assert_eq!(report["version"], 0, "something was written: {report}");
    // The same endpoint takes the well-formed body, so the refusals were about the input.
    let response = app
        .request_as(Who::User(Role::UnitReporter), Method::PUT, &path)
        .await
        .json(&json!(
            serde_json::from_str::<serde_json::Value>(&good).unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
