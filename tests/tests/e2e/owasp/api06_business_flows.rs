//! API6:2023 Unrestricted Access to Sensitive Business Flows: the reporting workflow cannot
//! be short-circuited. An accepted (locked) report cannot be edited, resubmitted, returned
//! or accepted again, and stays exactly as accepted; a submitted report is frozen for the
//! unit; a unit cannot accept its own report; a stale version cannot overwrite a newer one.

use reqwest::{Method, Response};
use serde_json::{json, Value};

use super::{arrange_plan, read_report, report_body, report_path, OWN, PERIOD};
use crate::support::{assert_problem, json, spawn_app, Role, TestApp, Who};

async fn call(app: &TestApp, who: Who, m: Method, path: &str, etag: &str, body: Value) -> Response {
    app.request_as(who, m, path)
        .await
        .header("If-Match", etag)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn etag(response: &Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_locked_report_cannot_be_changed_or_resubmitted() {
    let app = spawn_app().await;
    let indicators = arrange_plan(&app);
    let path = report_path(OWN, PERIOD);
    let reporter = Who::User(Role::UnitReporter);
    let approver = Who::User(Role::UnitApprover);
    let coordinator = Who::User(Role::Coordinator);

    let saved = call(
        &app,
        reporter,
        Method::PUT,
        &path,
        "\"v0\"",
        report_body(&indicators, 7, "Đạt"),
    )
    .await;
    assert_eq!(saved.status(), 200);
    let v = etag(&saved);
    // A stale version cannot overwrite the saved one.
    let stale = call(
        &app,
        reporter,
        Method::PUT,
        &path,
        "\"v0\"",
        report_body(&indicators, 1, "Cũ"),
    )
    .await;
    assert_problem(stale, 412, "precondition_failed").await;
    let submitted = call(
        &app,
        approver,
        Method::POST,
        &format!("{path}/submit"),
        &v,
        json!({"acknowledge_warnings": true}),
    )
    .await;
    assert_eq!(
        submitted.status(),
        200,
        "{}",
        submitted.text().await.unwrap()
    );
    let v = format!("\"v{}\"", read_report(&app, OWN, PERIOD).await["version"]);
    // Submitted: frozen for the unit, and the unit cannot accept it itself.
    let edit = call(
        &app,
        reporter,
        Method::PUT,
        &path,
        &v,
        report_body(&indicators, 9, "Sửa"),
    )
    .await;
    assert_problem(edit, 409, "invalid_transition").await;
    for who in [reporter, approver, Who::CommuneClient] {
        let own_accept = call(
            &app,
            who,
            Method::POST,
            &format!("{path}/accept"),
            &v,
            json!({}),
        )
        .await;
        assert_eq!(own_accept.status(), 403, "{who:?} accepted its own report");
    }
    let accepted = call(
        &app,
        coordinator,
        Method::POST,
        &format!("{path}/accept"),
        &v,
        json!({}),
    )
    .await;
    assert_eq!(accepted.status(), 200);
    let locked = json(accepted).await;
    assert_eq!(locked["status"], "accepted");
    let v = format!("\"v{}\"", locked["version"]);

    // Locked: every way back in without reopening is refused.
    let attempts = [
        (
            reporter,
            Method::PUT,
            path.clone(),
            report_body(&indicators, 9, "Sửa sau khi duyệt"),
        ),
        (
            approver,
            Method::POST,
            format!("{path}/submit"),
            json!({"acknowledge_warnings": true}),
        ),
        (
            Who::CommuneClient,
            Method::PUT,
            path.clone(),
            report_body(&indicators, 9, "Máy sửa"),
        ),
        (
            Who::CommuneClient,
            Method::POST,
            format!("{path}/submit"),
            json!({"acknowledge_warnings": true}),
        ),
        (
            coordinator,
            Method::POST,
            format!("{path}/accept"),
            json!({}),
        ),
        (
            coordinator,
            Method::POST,
            format!("{path}/return"),
            json!({"reason": "Trả lại"}),
        ),
    ];
    for (who, m, url, body) in attempts {
        let response = call(&app, who, m.clone(), &url, &v, body).await;
        assert_problem(response, 409, "invalid_transition").await;
    }
    let after = read_report(&app, OWN, PERIOD).await;
    assert_eq!(after, locked, "the locked report changed");
    // The unit cannot reopen it either: only the coordinator can, with a reason.
    let reopen = call(
        &app,
        approver,
        Method::POST,
        &format!("{path}/reopen"),
        &v,
        json!({"reason": "Tự mở"}),
    )
    .await;
    assert_eq!(reopen.status(), 403);
    assert_eq!(read_report(&app, OWN, PERIOD).await, locked);
}
