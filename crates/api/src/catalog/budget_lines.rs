//! `/api/v1/plans/{plan_id}/budget-lines`: recurrent spending (chi thường xuyên).

use actix_web::{delete, get, patch, post};
use chrono::{DateTime, Utc};
use dtihub_domain::catalog::{BudgetLine, CatalogWarning};
use dtihub_service::catalog::{BudgetLines, Stored};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{item_handlers, to_wire, utc, Resource, UnitListParams, UnitsBody};
use crate::error::ApiError;

/// A budget line as sent and as returned.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct BudgetLineBody {
    /// Code, unique in the plan; required.
    #[schema(min_length = 1, example = "KH145-2022-CTX-01")]
    pub code: String,
    /// Name as printed; required.
    #[schema(min_length = 1)]
    pub name: String,
    /// Implementing units (đơn vị thực hiện).
    #[schema(nullable)]
    pub implementing: UnitsBody,
    /// Amount, VND; null where the document prints none.
    pub amount_vnd: Option<i64>,
    /// Budget category as printed (`SNKT`, `QLNN`, `SN GDĐT`, …).
    pub budget_category: Option<String>,
    /// Funding remark.
    pub funding_note: Option<String>,
    /// First year.
    pub start_year: Option<i32>,
    /// Last year.
    pub end_year: Option<i32>,
    /// Period as printed.
    pub period_text: Option<String>,
    /// Status as printed.
    pub status_text: Option<String>,
    /// Decision cited.
    pub decision_ref: Option<String>,
    /// Where it is transcribed from.
    pub source: Option<String>,
    /// Row as printed (Stt).
    pub source_row: Option<String>,
}

/// A budget line with its id and version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BudgetLineResponse {
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
    /// The budget line.
    #[serde(flatten)]
    pub budget_line: BudgetLineBody,
}

/// One page of budget lines.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BudgetLinePage {
    /// Ordered by code.
    pub items: Vec<BudgetLineResponse>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

impl Resource for BudgetLines {
    type Response = BudgetLineResponse;
    const LISTING: &'static str = "budget_lines";
    const SEGMENT: &'static str = "budget-lines";

    fn response(
        s: Stored<BudgetLine>,
        _warnings: Vec<CatalogWarning>,
    ) -> Result<BudgetLineResponse, ApiError> {
        Ok(BudgetLineResponse {
            id: s.id,
            plan_id: s.plan_id,
            version: s.version,
            created_at: utc(s.created_at),
            updated_at: utc(s.updated_at),
            budget_line: to_wire(&s.value.to_input())?,
        })
    }
}

item_handlers!(
    kind = BudgetLines,
    params = UnitListParams,
    body = BudgetLineBody,
    response = BudgetLineResponse,
    page = BudgetLinePage,
    tag = "budget-lines",
    collection = "/plans/{plan_id}/budget-lines",
    item = "/plans/{plan_id}/budget-lines/{id}",
    operation_ids = [
        "list_budget_lines",
        "get_budget_line",
        "create_budget_line",
        "update_budget_line",
        "delete_budget_line"
    ],
);
