//! `/api/v1/plans/{id}/reporting-rules`: a plan's reporting schedule (data windows and
//! deadlines per kind of period) and the outlier factor of its reports' checks.

use actix_web::http::header::ETag;
use actix_web::{delete, get, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use dtihub_domain::catalog::PlanId;
use dtihub_domain::schedule::{DeadlineRule, PeriodRule, ReportingSchedule, WindowRule};
use dtihub_service::reporting_rules::{self, PlanRules};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Allowed, ManageCatalog, ReadCatalog};
use crate::catalog::{not_modified, utc};
use crate::conditional::{etag, if_match_version};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Which days' data a report covers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum WindowRuleBody {
    /// NĐ 09/2019: from the day after `day` of the month before the period to `day` of its
    /// last month.
    CutoffDay {
        /// Cut-off day, 1–27 (NĐ 09/2019: 14).
        #[schema(minimum = 1, maximum = 27)]
        day: u32,
    },
    /// The period's own calendar days.
    CalendarPeriod,
}

/// When a report falls due.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum DeadlineRuleBody {
    /// Day `day` of the month `month_offset` months after the period's last month (a day past
    /// the month's end means its last day).
    DayOfMonth {
        /// -11 to 12; 0 is the period's last month.
        #[schema(minimum = -11, maximum = 12)]
        month_offset: i32,
        /// 1–31.
        #[schema(minimum = 1, maximum = 31)]
        day: u32,
    },
    /// `days` working days (Vietnam's calendar, Tết and make-up days included) after the data
    /// window closes.
    WorkingDaysAfterCutoff {
        /// 0–90.
        #[schema(minimum = 0, maximum = 90)]
        days: u16,
    },
}

/// The window and deadline of one kind of period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodRuleBody {
    /// Data window.
    pub window: WindowRuleBody,
    /// Deadline.
    pub deadline: DeadlineRuleBody,
    /// A calendar-day deadline on a day off moves to the next working day (default true).
    #[serde(default)]
    pub roll_to_working_day: Option<bool>,
}

/// A schedule: one rule per kind of period; a kind left out keeps its default.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    /// `YYYY-MM` (default: NĐ 09 window, due the 20th).
    pub monthly: Option<PeriodRuleBody>,
    /// `YYYY-Qn` (default: due the 20th of the quarter's last month).
    pub quarterly: Option<PeriodRuleBody>,
    /// `YYYY-H1` (default: due 25/5).
    pub first_half: Option<PeriodRuleBody>,
    /// `YYYY-H2` (default: due 20/12).
    pub second_half: Option<PeriodRuleBody>,
    /// `YYYY` (default: due 20/12).
    pub annual: Option<PeriodRuleBody>,
}

/// A plan's reporting rules as sent; parts left out take the defaults.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportingRulesBody {
    /// Data windows and deadlines.
    pub schedule: Option<ScheduleBody>,
    /// A value more than this many times, or under this fraction of, the unit's previous
    /// period's is a warning; 0 turns the check off; otherwise above 1 and at most 1000
    /// (default 3).
    #[schema(example = 3.0)]
    pub outlier_factor: Option<f64>,
}

/// A plan's reporting rules.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportingRulesResponse {
    /// The plan's id.
    pub plan_id: i64,
    /// The plan's code.
    pub plan_code: String,
    /// Whether the plan set its own rules (false: the defaults apply).
    pub custom: bool,
    /// Every kind of period, defaults filled in.
    pub schedule: FullScheduleBody,
    /// The outlier factor (0: off).
    pub outlier_factor: f64,
    /// Version (the `ETag` is `"v<version>"`; 0 while the defaults apply).
    pub version: i64,
    /// Who set them.
    pub updated_by: Option<String>,
    /// When.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A schedule with every kind of period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FullScheduleBody {
    /// `YYYY-MM`.
    pub monthly: PeriodRuleBody,
    /// `YYYY-Qn`.
    pub quarterly: PeriodRuleBody,
    /// `YYYY-H1`.
    pub first_half: PeriodRuleBody,
    /// `YYYY-H2`.
    pub second_half: PeriodRuleBody,
    /// `YYYY`.
    pub annual: PeriodRuleBody,
}

fn rule_body(r: &PeriodRule) -> PeriodRuleBody {
    PeriodRuleBody {
        window: match r.window {
            WindowRule::CutoffDay { day } => WindowRuleBody::CutoffDay { day },
            WindowRule::CalendarPeriod => WindowRuleBody::CalendarPeriod,
        },
        deadline: match r.deadline {
            DeadlineRule::DayOfMonth { month_offset, day } => {
                DeadlineRuleBody::DayOfMonth { month_offset, day }
            }
            DeadlineRule::WorkingDaysAfterCutoff { days } => {
                DeadlineRuleBody::WorkingDaysAfterCutoff { days }
            }
        },
        roll_to_working_day: Some(r.roll_to_working_day),
    }
}

fn schedule_body(s: &ReportingSchedule) -> FullScheduleBody {
    FullScheduleBody {
        monthly: rule_body(&s.monthly),
        quarterly: rule_body(&s.quarterly),
        first_half: rule_body(&s.first_half),
        second_half: rule_body(&s.second_half),
        annual: rule_body(&s.annual),
    }
}

fn respond(r: PlanRules) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(ETag(etag(r.version)))
        .json(ReportingRulesResponse {
            plan_id: r.plan_id,
            plan_code: r.plan_code,
            custom: r.custom,
            schedule: schedule_body(&r.rules.schedule),
            outlier_factor: r.rules.outlier_factor,
            version: r.version,
            updated_by: r.updated_by,
            updated_at: r.updated_at.map(utc),
        })
}

/// A plan's reporting rules: the data window and deadline of each kind of period its reports
/// follow, and the outlier factor of their checks. A plan that set none shows the defaults
/// (`custom: false`). The rules of the issued plan covering a year (an annual plan before a
/// multi-year one) govern every report of that year.
#[utoipa::path(
    tag = "plans",
    operation_id = "get_plan_reporting_rules",
    params(("id" = i64, Path, description = "Plan id")),
    security(("bearer" = []), ("oauth2" = ["catalog:read"])),
    responses(
        (status = 200, description = "The rules", body = ReportingRulesResponse,
            headers(("ETag" = String, description = "Version of the rules"))),
        (status = 304, description = "Not modified since the `If-None-Match` ETag"),
        (status = 400, description = "The id is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a user nor a client with `catalog:read`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No plan has this id", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/plans/{id}/reporting-rules")]
pub async fn get_rules(
    _caller: Allowed<ReadCatalog>,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = PlanId(path.into_inner());
    let store = state.store.clone();
    let rules = web::block(move || reporting_rules::get(&store, id)).await??;
    if not_modified(&req, rules.version) {
        return Ok(HttpResponse::NotModified()
            .insert_header(ETag(etag(rules.version)))
            .finish());
    }
    Ok(respond(rules))
}

/// Set a plan's reporting rules (whole replace; parts left out take the defaults).
///
/// Reports the plan governs that have not been submitted yet move to the new deadlines; a
/// report already submitted keeps the deadline it was judged by. Send the last `ETag` in
/// `If-Match` (412 when stale).
#[utoipa::path(
    tag = "plans",
    operation_id = "put_plan_reporting_rules",
    params(
        ("id" = i64, Path, description = "Plan id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body(content = ReportingRulesBody, content_type = "application/json"),
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 200, description = "Set", body = ReportingRulesResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a coordinator or admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No plan has this id", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule is out of range; `errors` names it with a JSON pointer", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/plans/{id}/reporting-rules")]
pub async fn put_rules(
    caller: Allowed<ManageCatalog>,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let id = PlanId(path.into_inner());
    let expected = if_match_version(&req)?;
    let actor = caller.actor();
    let store = state.store.clone();
    let body = body.into_inner();
    let rules =
        web::block(move || reporting_rules::put(&store, &actor, id, expected, body)).await??;
    Ok(respond(rules))
}

/// Drop a plan's own reporting rules: its reports follow the defaults again (unsubmitted
/// reports move to the default deadlines).
#[utoipa::path(
    tag = "plans",
    operation_id = "reset_plan_reporting_rules",
    params(
        ("id" = i64, Path, description = "Plan id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    security(("bearer" = []), ("oauth2" = ["admin"])),
    responses(
        (status = 200, description = "The defaults now apply", body = ReportingRulesResponse,
            headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "The id is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a coordinator or admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No plan has this id", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/plans/{id}/reporting-rules")]
pub async fn reset_rules(
    caller: Allowed<ManageCatalog>,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = PlanId(path.into_inner());
    let expected = if_match_version(&req)?;
    let actor = caller.actor();
    let store = state.store.clone();
    let rules = web::block(move || reporting_rules::reset(&store, &actor, id, expected)).await??;
    Ok(respond(rules))
}
