//! `/api/v1/plans/{plan_id}/projects`: public-investment projects (dự án).

use actix_web::{delete, get, patch, post};
use chrono::{DateTime, Utc};
use dtihub_domain::catalog::{CatalogWarning, Project};
use dtihub_service::catalog::{Projects, Stored};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{item_handlers, to_wire, utc, Resource, UnitListParams, WarningBody};
use crate::error::ApiError;

/// Money by funding source, VND.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct FundingBody {
    /// Central budget (NSTW).
    pub central_vnd: Option<i64>,
    /// Local budget (NSĐP).
    pub local_vnd: Option<i64>,
    /// Other sources.
    pub other_vnd: Option<i64>,
}

/// Capital for one year.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AllocationBody {
    /// The year, within the plan's years.
    pub year: i32,
    /// Capital allocated for the year (bố trí vốn), VND.
    pub allocated_vnd: Option<i64>,
    /// Of it, by source (at most the allocation).
    #[schema(nullable)]
    pub split: FundingBody,
    /// Capital executed in the year (thực hiện), VND.
    pub implemented_vnd: Option<i64>,
}

/// A project as sent and as returned.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ProjectBody {
    /// Code, unique in the plan; required.
    #[schema(min_length = 1, example = "KH145-2022-DA-01")]
    pub code: String,
    /// Name as printed; required.
    #[schema(min_length = 1)]
    pub name: String,
    /// Investor unit code (chủ đầu tư).
    pub investor_unit: Option<String>,
    /// Investor as printed.
    pub investor_text: Option<String>,
    /// First year of implementation.
    pub start_year: Option<i32>,
    /// Last year of implementation.
    pub end_year: Option<i32>,
    /// Period as printed.
    pub period_text: Option<String>,
    /// Total investment (TMĐT), VND.
    pub total_investment_vnd: Option<i64>,
    /// Funding split of the total investment (may exceed it: a warning, not an error).
    #[schema(nullable)]
    pub funding: FundingBody,
    /// Disbursed before the plan year, VND.
    pub disbursed_before_vnd: Option<i64>,
    /// Capital per year.
    #[schema(nullable)]
    pub allocations: Vec<AllocationBody>,
    /// `preparation`, `implementation`, `settlement` or `completed`.
    pub stage: Option<String>,
    /// Stage as printed.
    pub stage_text: Option<String>,
    /// Investment decision cited.
    pub decision_ref: Option<String>,
    /// Funding remark.
    pub funding_note: Option<String>,
    /// Carried over from an earlier plan; null when unknown.
    pub carried_over: Option<bool>,
    /// The same project's code in an earlier plan.
    pub same_as: Option<String>,
    /// Units the project names (communes of a commune-wide project).
    #[schema(nullable)]
    pub related_units: Vec<String>,
    /// Where it is transcribed from.
    pub source: Option<String>,
    /// Row as printed (Stt).
    pub source_row: Option<String>,
}

/// A project with its id, version and warnings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProjectResponse {
    /// Id.
    pub id: i64,
    /// The plan's id.
    pub plan_id: i64,
    /// Version (also the `ETag`).
    pub version: i64,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// What a person should check (a funding split above the total investment).
    pub warnings: Vec<WarningBody>,
    /// The project.
    #[serde(flatten)]
    pub project: ProjectBody,
}

/// One page of projects.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProjectPage {
    /// Ordered by code.
    pub items: Vec<ProjectResponse>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

impl Resource for Projects {
    type Response = ProjectResponse;
    const LISTING: &'static str = "projects";
    const SEGMENT: &'static str = "projects";

    fn response(
        s: Stored<Project>,
        warnings: Vec<CatalogWarning>,
    ) -> Result<ProjectResponse, ApiError> {
        Ok(ProjectResponse {
            id: s.id,
            plan_id: s.plan_id,
            version: s.version,
            created_at: utc(s.created_at),
            updated_at: utc(s.updated_at),
            warnings: warnings.into_iter().map(WarningBody::from).collect(),
            project: to_wire(&s.value.to_input())?,
        })
    }
}

item_handlers!(
    kind = Projects,
    params = UnitListParams,
    body = ProjectBody,
    response = ProjectResponse,
    page = ProjectPage,
    tag = "projects",
    collection = "/plans/{plan_id}/projects",
    item = "/plans/{plan_id}/projects/{id}",
    operation_ids = [
        "list_projects",
        "get_project",
        "create_project",
        "update_project",
        "delete_project"
    ],
);
