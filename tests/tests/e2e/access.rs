//! The access matrix: every operation of the published OpenAPI spec, called by every kind of
//! caller (anonymous, each role, a commune-bound machine client) on its own unit and on
//! another unit, must answer exactly the expected status. A single surprise is a leak.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use dtihub_domain::catalog::budget_line::BudgetLineInput;
use dtihub_domain::catalog::indicator::IndicatorInput;
use dtihub_domain::catalog::plan::PlanInput;
use dtihub_domain::catalog::project::ProjectInput;
use dtihub_domain::catalog::task::TaskInput;
use dtihub_domain::catalog::PlanId;
use dtihub_service::catalog::items::{self, CatalogItem};
use dtihub_service::catalog::{plans, BudgetLines, Indicators, Projects, Tasks};
use dtihub_service::{Actor, Store};

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{json, spawn_app, Role, TestApp, Who};

const COMMITTED: &str = include_str!("../../../openapi/openapi.json");

/// Which unit a templated `{code}` names, relative to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The caller's own unit (or a department for callers without a unit).
    Own,
    /// Another commune.
    Other,
}

const OTHER_UNIT: &str = "XA-MY-QUI";
const TARGET_USER: &str = "target.user";

fn is_admin(who: Who) -> bool {
    who == Who::User(Role::Admin)
}

fn is_unit_bound(who: Who) -> bool {
    matches!(
        who,
        Who::User(Role::UnitReporter | Role::UnitApprover) | Who::CommuneClient
    )
}

fn is_user(who: Who) -> bool {
    matches!(who, Who::User(_))
}

/// The status each caller must get. Unit reads are the public catalog: every authenticated
/// user, and clients with `catalog:read`, read every unit (own or other).
fn expected(method: &str, path: &str, who: Who, target: Target) -> u16 {
    let admin_only = |ok: u16| if is_admin(who) { ok } else { 403 };
    let protected = path.starts_with("/api/v1/")
        && path != "/api/v1/auth/token"
        && path != "/api/v1/auth/revoke";
    if protected && who == Who::Anonymous {
        return 401;
    }
    match (method, path) {
        ("post", "/api/v1/auth/token") => 400,
        ("post", "/api/v1/auth/revoke") => 200,
        ("get", "/api/v1/me") => 200,
        ("post", "/api/v1/me/password") => {
            if is_user(who) {
                422
            } else {
                403
            }
        }
        ("get", "/api/v1/units" | "/api/v1/units/{code}") => 200,
        ("post", "/api/v1/units") => admin_only(201),
        ("patch", "/api/v1/units/{code}") => admin_only(200),
        ("post", "/api/v1/units/{code}/retire") => admin_only(200),
        ("get", "/api/v1/users" | "/api/v1/users/{username}") => admin_only(200),
        ("post", "/api/v1/users") => admin_only(201),
        ("patch", "/api/v1/users/{username}") => admin_only(200),
        ("post", "/api/v1/users/{username}/password") => admin_only(200),
        ("get", "/api/v1/clients" | "/api/v1/clients/{client_id}") => admin_only(200),
        ("post", "/api/v1/clients") => admin_only(201),
        ("patch", "/api/v1/clients/{client_id}") => admin_only(200),
        ("post", "/api/v1/clients/{client_id}/secret") => admin_only(200),
        ("get", "/api/v1/audit") => {
            if is_admin(who) || who == Who::User(Role::Coordinator) {
                200
            } else {
                403
            }
        }
        // Aggregates and exports compare every unit: province-wide users only (unit users and
        // clients without aggregates:read get 403). The official assessment: coordinators.
        ("get", p) if p.starts_with("/api/v1/aggregates/") || p.starts_with("/api/v1/exports/") => {
            if matches!(
                who,
                Who::User(Role::Admin | Role::Coordinator | Role::Viewer)
            ) {
                200
            } else {
                403
            }
        }
        ("put", "/api/v1/plans/{plan_id}/indicators/{indicator_id}/assessments/{year}") => {
            if who == Who::User(Role::Coordinator) {
                200
            } else {
                403
            }
        }
        // The plan catalog: read by every user and by clients with catalog:read; written by
        // coordinators and admins.
        ("get", p) if p.starts_with("/api/v1/plans") => 200,
        (_, p) if p.starts_with("/api/v1/plans") => {
            let ok = match method {
                "post" => 201,
                // Dropping a plan's reporting rules answers the defaults now in force.
                "delete" if p.ends_with("/reporting-rules") => 200,
                "delete" => 204,
                _ => 200,
            };
            if is_admin(who) || who == Who::User(Role::Coordinator) {
                ok
            } else {
                403
            }
        }
        // Periodic reports: every caller reads; a unit's own users and clients act on it only
        // (404 elsewhere); reporters and approvers save, approvers submit, coordinators review.
        ("get", "/api/v1/reports" | "/api/v1/periods/{period}") => 200,
        // The change feed: every caller here reads the catalog or reports (scoped inside).
        ("get", "/api/v1/changes") => 200,
        (_, p) if p.starts_with("/api/v1/units/{unit}/reports/{period}") => {
            let unit_bound = matches!(
                who,
                Who::User(Role::UnitReporter | Role::UnitApprover) | Who::CommuneClient
            );
            if unit_bound && target == Target::Other {
                return 404;
            }
            let action = p.rsplit('/').next().unwrap_or_default();
            match (method, action) {
                ("get", _) => 200,
                ("put", _) => {
                    if unit_bound {
                        200
                    } else {
                        403
                    }
                }
                // The unit's draft is empty: its narrative is missing.
                ("post", "submit") => {
                    if matches!(who, Who::User(Role::UnitApprover) | Who::CommuneClient) {
                        422
                    } else {
                        403
                    }
                }
                // The coordinator's units have no report yet: not_started allows no review.
                ("post", _) => {
                    if who == Who::User(Role::Coordinator) {
                        409
                    } else {
                        403
                    }
                }
                _ => panic!("no expectation for {method} {path}"),
            }
        }
        // Bulk imports: whoever may save reports (or holds imports:write) imports; rows are
        // limited to the caller's units one by one, not here.
        (_, p) if p.starts_with("/api/v1/imports") => {
            let may_import = matches!(
                who,
                Who::User(Role::UnitReporter | Role::UnitApprover) | Who::CommuneClient
            );
            match (may_import, method, p) {
                (false, _, _) => 403,
                (true, "get", "/api/v1/imports/{id}") => 404,
                (true, _, _) => 200,
            }
        }
        // DTI: frameworks are read like the catalog and written by coordinators and admins (the
        // demo's 2025 frameworks already have self-assessments: 409); scores are read by every
        // reader, a unit's explanation and assessment like its reports; a unit's own users and
        // clients save its self-assessment (the demo commune's is not verified yet: 200); only
        // coordinators verify (SO-KHCN and XA-MY-QUI have not self-assessed: 409).
        ("get", "/api/v1/dti/frameworks/{year}/{unit_kind}" | "/api/v1/dti/scores") => 200,
        ("put", "/api/v1/dti/frameworks/{year}/{unit_kind}") => {
            if is_admin(who) || who == Who::User(Role::Coordinator) {
                409
            } else {
                403
            }
        }
        ("get", "/api/v1/dti/scores/{unit}") => {
            if is_unit_bound(who) && target == Target::Other {
                404
            } else {
                200
            }
        }
        (_, p) if p.starts_with("/api/v1/units/{unit}/dti/{year}/") => {
            if is_unit_bound(who) && target == Target::Other {
                return 404;
            }
            match (method, p.rsplit('/').next().unwrap_or_default()) {
                ("get", _) => 200,
                ("put", "self-assessment") => {
                    if is_unit_bound(who) {
                        200
                    } else {
                        403
                    }
                }
                ("put", "verification") => {
                    if who == Who::User(Role::Coordinator) {
                        409
                    } else {
                        403
                    }
                }
                _ => panic!("no expectation for {method} {path}"),
            }
        }
        ("get", "/healthz" | "/readyz" | "/metrics" | "/.well-known/jwks.json") => 200,
        _ => panic!("no expectation for {method} {path}: add the operation to the access matrix"),
    }
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A valid body for each operation that takes one (fresh keys for creations).
fn body(method: &str, path: &str) -> Option<Value> {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    match (method, path) {
        ("post", "/api/v1/auth/token") => Some(json!({"grant_type": "password"})),
        ("post", "/api/v1/auth/revoke") => Some(json!({"token": "not-a-token"})),
        ("post", "/api/v1/me/password") => Some(
            json!({"old_password": "not the old password", "new_password": "Mot-mat-khau-moi"}),
        ),
        ("post", "/api/v1/units") => Some(json!({
            "code": format!("XA-ACCESS-{n}"), "name": "Xã thử quyền", "kind": "commune",
            "parent": "DONG-THAP", "valid_from": "2025-07-01"})),
        ("patch", "/api/v1/units/{code}") => Some(json!({"official_code": "30001"})),
        ("post", "/api/v1/units/{code}/retire") => Some(json!({"valid_to": "2099-12-31"})),
        ("post", "/api/v1/users") => Some(json!({
            "username": format!("access.user.{n}"), "display_name": "Người thử",
            "roles": ["viewer"]})),
        ("patch", "/api/v1/users/{username}") => Some(json!({"display_name": "Tên mới"})),
        ("post", "/api/v1/users/{username}/password") => Some(json!({})),
        ("post", "/api/v1/clients") => {
            Some(json!({"name": format!("Client {n}"), "scopes": ["catalog:read"]}))
        }
        ("patch", "/api/v1/clients/{client_id}") => Some(json!({"name": "Tên mới"})),
        ("post", "/api/v1/plans") => Some(json!({
            "code": format!("KH-ACCESS-{n}"), "title": "Kế hoạch thử quyền", "kind": "annual",
            "first_year": 2026, "last_year": 2026, "status": "draft"})),
        ("patch", "/api/v1/plans/{id}") => Some(json!({"title": "Tên mới"})),
        ("put", "/api/v1/plans/{id}/reporting-rules") => Some(json!({"outlier_factor": 4})),
        ("post", "/api/v1/plans/{plan_id}/indicators") => Some(json!({
            "code": format!("ACC-{n}"), "name": "Chỉ tiêu", "pillar": "ha_tang_so",
            "measure": "count", "direction": "at_least"})),
        ("post", "/api/v1/plans/{plan_id}/tasks") => Some(json!({
            "code": format!("ACC-{n}"), "content": "Nhiệm vụ", "timing_text": "Năm 2026"})),
        ("post", "/api/v1/plans/{plan_id}/projects" | "/api/v1/plans/{plan_id}/budget-lines") => {
            Some(json!({"code": format!("ACC-{n}"), "name": "Mục"}))
        }
        ("patch", "/api/v1/plans/{plan_id}/tasks/{id}") => Some(json!({"content": "Mới"})),
        ("patch", p) if p.starts_with("/api/v1/plans/{plan_id}/") => Some(json!({"name": "Mới"})),
        ("put", "/api/v1/units/{unit}/reports/{period}") => Some(json!({})),
        ("post", "/api/v1/imports") => Some(json!([])),
        ("put", p) if p.ends_with("/assessments/{year}") => Some(json!({"assessment": "met"})),
        ("put", "/api/v1/dti/frameworks/{year}/{unit_kind}") => Some(json!({
            "title": "Bộ chỉ số thử quyền",
            "pillars": [{"code": "nhan_thuc_so", "name": "Nhận thức số", "max_points": 60,
                "criteria": [{"code": "NT-1", "name": "Kế hoạch", "max_points": 60,
                    "rule": {"kind": "boolean", "condition": "Có"}}]}]})),
        ("put", "/api/v1/units/{unit}/dti/{year}/self-assessment") => Some(json!({"answers": []})),
        ("put", "/api/v1/units/{unit}/dti/{year}/verification") => Some(json!({})),
        ("post", p) if p.ends_with("/return") || p.ends_with("/reopen") => {
            Some(json!({"reason": "Thiếu số liệu"}))
        }
        _ => None,
    }
}

/// A plan of the access test's own, and in it, per item kind, one item every caller reads and
/// patches and one item per caller to delete.
struct CatalogIds {
    plan: i64,
    shared: BTreeMap<&'static str, i64>,
    doomed: BTreeMap<(&'static str, usize), i64>,
}

fn item_id<I: CatalogItem>(store: &Store, plan: PlanId, input: &I::Input) -> i64 {
    items::create::<I>(store, &Actor::system("access-test"), plan, input)
        .unwrap()
        .stored
        .id
}

fn arrange_catalog(store: &Store) -> CatalogIds {
    let plan = plans::create(
        store,
        &Actor::system("access-test"),
        &PlanInput {
            code: "KH-ACCESS".into(),
            title: "Kế hoạch thử quyền".into(),
            kind: "annual".into(),
            first_year: 2026,
            last_year: 2026,
            status: "draft".into(),
            ..PlanInput::default()
        },
    )
    .unwrap();
    let plan_id = PlanId(plan.id);
    let mut shared = BTreeMap::new();
    let mut doomed = BTreeMap::new();
    for n in 0..=Who::ALL.len() {
        let code = format!("ACCESS-{n}");
        let ids = [
            (
                "indicators",
                item_id::<Indicators>(
                    store,
                    plan_id,
                    &IndicatorInput {
                        code: code.clone(),
                        name: "Chỉ tiêu".into(),
                        pillar: "ha_tang_so".into(),
                        measure: "count".into(),
                        direction: "at_least".into(),
                        ..IndicatorInput::default()
                    },
                ),
            ),
            (
                "tasks",
                item_id::<Tasks>(
                    store,
                    plan_id,
                    &TaskInput {
                        code: code.clone(),
                        content: "Nhiệm vụ".into(),
                        timing_text: Some("Năm 2026".into()),
                        ..TaskInput::default()
                    },
                ),
            ),
            (
                "projects",
                item_id::<Projects>(
                    store,
                    plan_id,
                    &ProjectInput {
                        code: code.clone(),
                        name: "Dự án".into(),
                        ..ProjectInput::default()
                    },
                ),
            ),
            (
                "budget-lines",
                item_id::<BudgetLines>(
                    store,
                    plan_id,
                    &BudgetLineInput {
                        code: code.clone(),
                        name: "Chi".into(),
                        ..BudgetLineInput::default()
                    },
                ),
            ),
        ];
        for (segment, id) in ids {
            if n == Who::ALL.len() {
                shared.insert(segment, id);
            } else {
                doomed.insert((segment, n), id);
            }
        }
    }
    CatalogIds {
        plan: plan.id,
        shared,
        doomed,
    }
}

fn concrete(
    method: &str,
    path: &str,
    who: Who,
    target: Target,
    client_id: &str,
    catalog: &CatalogIds,
) -> String {
    let unit = match target {
        Target::Own => who.own_unit().unwrap_or("SO-KHCN"),
        Target::Other => OTHER_UNIT,
    };
    if let Some(rest) = path.strip_prefix("/api/v1/plans/{plan_id}/") {
        let segment = rest.split('/').next().unwrap();
        let segment = ["indicators", "tasks", "projects", "budget-lines"]
            .into_iter()
            .find(|s| *s == segment)
            .unwrap();
        let caller = Who::ALL.iter().position(|w| *w == who).unwrap();
        let id = if method == "delete" {
            catalog.doomed[&(segment, caller)]
        } else {
            catalog.shared[segment]
        };
        return path
            .replace("{plan_id}", &catalog.plan.to_string())
            .replace("{id}", &id.to_string())
            .replace("{indicator_id}", &catalog.shared["indicators"].to_string())
            .replace("{year}", "2026");
    }
    // Aggregates and exports with the query each needs.
    let plan = catalog.plan;
    let query = match path {
        "/api/v1/aggregates/compliance" => Some("period=2026-07".to_owned()),
        "/api/v1/aggregates/indicators/{indicator_id}" => Some("period=2026-07".to_owned()),
        "/api/v1/aggregates/evaluation" => Some(format!("plan={plan}&year=2026")),
        "/api/v1/aggregates/tasks" | "/api/v1/aggregates/finance" => Some(format!("plan={plan}")),
        "/api/v1/exports/{name}.{format}" => Some(format!("plan={plan}")),
        _ => None,
    };
    if let Some(q) = query {
        let path = path
            .replace("{indicator_id}", &catalog.shared["indicators"].to_string())
            .replace("{name}", "projects")
            .replace("{format}", "csv");
        return format!("{path}?{q}");
    }
    if path.starts_with("/api/v1/plans/{id}") {
        return path.replace("{id}", &catalog.plan.to_string());
    }
    if path.starts_with("/api/v1/imports/") {
        return path
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{kind}", "indicator_values")
            .replace("{format}", "csv?period=2026-07");
    }
    let query = if path.starts_with("/api/v1/dti/scores") {
        "?period=2025&unit_kind=commune"
    } else {
        ""
    };
    path.replace("{code}", unit)
        .replace("{unit}", unit)
        .replace("{year}", "2025")
        .replace("{unit_kind}", "commune")
        .replace("{period}", "2026-07")
        .replace("{username}", TARGET_USER)
        .replace("{client_id}", client_id)
        + query
}

async fn arrange(app: &TestApp) -> String {
    let admin = Who::User(Role::Admin);
    let response = app
        .request_as(admin, Method::POST, "/api/v1/users")
        .await
        .json(&json!({"username": TARGET_USER, "display_name": "Đích", "roles": ["viewer"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let response = app
        .request_as(admin, Method::POST, "/api/v1/clients")
        .await
        .json(&json!({"name": "Đích", "scopes": ["reports:read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    json(response).await["client"]["client_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_operation_for_every_caller_and_unit_answers_as_expected() {
    let spec: Value = serde_json::from_str(COMMITTED).unwrap();
    let app = spawn_app().await;
    let client_id = arrange(&app).await;
    let catalog = arrange_catalog(&app.store);
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push((method.clone(), path.clone()));
        }
    }
    assert!(operations.len() >= 24, "{}", operations.len());
    let mut leaks = Vec::new();
    let mut calls = 0;
    for (method, path) in &operations {
        let targets: &[Target] = if path.contains("{code}") || path.contains("{unit}") {
            &[Target::Own, Target::Other]
        } else {
            &[Target::Own]
        };
        for who in Who::ALL {
            for &target in targets {
                let want = expected(method, path, who, target);
                let url = concrete(method, path, who, target, &client_id, &catalog);
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let mut request = app.request_as(who, m, &url).await;
                if let Some(b) = body(method, path) {
                    request = request.json(&b);
                }
                let response = request.send().await.unwrap();
                calls += 1;
                let got = response.status().as_u16();
                if got == 401 {
                    let challenge = response.headers().get("www-authenticate");
                    assert!(
                        challenge.is_some(),
                        "{method} {url}: 401 without a challenge"
                    );
                }
                let text = response.text().await.unwrap_or_default();
                if got == 403 {
                    assert!(text.contains("\"forbidden\""), "{method} {url}: {text}");
                }
                if got != want {
                    leaks.push(format!(
                        "{} {url} as {who:?} ({target:?}): expected {want}, got {got}: {}",
                        method.to_uppercase(),
                        text.chars().take(200).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} of {calls} calls surprised:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    let covered: BTreeSet<_> = operations.iter().collect();
    assert_eq!(covered.len(), operations.len());
}

#[tokio::test]
async fn unit_scoped_callers_see_other_units_as_missing() {
    // The object-level rule the report endpoints build on, checked where it already applies:
    // a commune's principal may act on its own unit only, and is told nothing else exists.
    use dtihub_domain::access::{Principal, Scope, Subject};
    use dtihub_domain::unit::UnitCode;
    let own = UnitCode::parse("XA-TRAM-CHIM").unwrap();
    let other = UnitCode::parse(OTHER_UNIT).unwrap();
    let client = Principal {
        subject: Subject::Client("demo-tram-chim".into()),
        unit: Some(own.clone()),
        roles: vec![],
        scopes: vec![Scope::ReportsWrite],
    };
    assert!(client.can_access_unit(&own));
    assert!(!client.can_access_unit(&other));
    // And over HTTP the bound client's identity carries its unit.
    let app = spawn_app().await;
    let me = json(
        app.request_as(Who::CommuneClient, Method::GET, "/api/v1/me")
            .await
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me["unit"], "XA-TRAM-CHIM");
}
