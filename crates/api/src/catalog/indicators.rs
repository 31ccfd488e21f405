//! `/api/v1/plans/{plan_id}/indicators`: chỉ tiêu with their yearly targets.

use actix_web::{delete, get, patch, post};
use chrono::{DateTime, Utc};
use dtihub_domain::catalog::{CatalogWarning, Indicator};
use dtihub_service::catalog::{Indicators, Stored};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{item_handlers, to_wire, utc, PillarListParams, Resource, UnitsBody};
use crate::error::ApiError;

/// A target for one year.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct TargetBody {
    /// The year, within the plan's years.
    #[schema(example = 2023)]
    pub year: i32,
    /// The figure (`60` for "Trên 60%"); null for text-only targets and for yes/no and
    /// milestones.
    pub value: Option<f64>,
    /// As printed; required.
    #[schema(min_length = 1, example = "Trên 60%")]
    pub text: String,
}

/// When the indicator is evaluated.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EvaluationTimeBody {
    /// Cuối năm.
    EndOfYear,
    /// A given month ("Tháng 10/2025").
    Month {
        /// Year.
        year: i32,
        /// Month, 1 to 12.
        month: u32,
    },
    /// Cuối mỗi Quý.
    EachQuarter,
    /// Thường xuyên.
    Continuous,
}

/// An indicator as sent and as returned.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct IndicatorBody {
    /// Code, unique in the plan; required.
    #[schema(min_length = 1, example = "KH99-2023-12")]
    pub code: String,
    /// The indicator as printed; required.
    #[schema(min_length = 1)]
    pub name: String,
    /// One of the ten pillars (`chinh_quyen_so`, …); required.
    #[schema(min_length = 1, example = "chinh_quyen_so")]
    pub pillar: String,
    /// The group heading as printed.
    pub group_text: Option<String>,
    /// `percent`, `count`, `money`, `boolean` or `milestone`; required.
    #[schema(min_length = 1, example = "percent")]
    pub measure: String,
    /// `at_least`, `at_most` or `exactly`; required.
    #[schema(min_length = 1, example = "at_least")]
    pub direction: String,
    /// `%` or the counted thing.
    pub unit_of_measure: Option<String>,
    /// Whether values above 100 % are possible (percentages only).
    #[schema(nullable)]
    pub allows_over_100: bool,
    /// Targets, one per year.
    #[schema(nullable)]
    pub targets: Vec<TargetBody>,
    /// Lead units (chủ trì).
    #[schema(nullable)]
    pub lead: UnitsBody,
    /// Coordinating units (phối hợp).
    #[schema(nullable)]
    pub coordinating: UnitsBody,
    /// When it is evaluated.
    pub evaluation_time: Option<EvaluationTimeBody>,
    /// The evaluation time as printed.
    pub evaluation_time_text: Option<String>,
    /// Unit kinds that must report it.
    #[schema(nullable)]
    pub reporting_unit_kinds: Vec<String>,
    /// Units that must report it.
    #[schema(nullable)]
    pub reporting_units: Vec<String>,
    /// How units' values roll up: `sum`, `mean`, `ratio_of_sums`, `min`, `max`, `all`,
    /// `any`, `latest`; defaults by measure.
    pub roll_up: Option<String>,
    /// Where it is transcribed from.
    pub source: Option<String>,
    /// Row as printed (Stt).
    pub source_row: Option<String>,
}

/// An indicator with its id and version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IndicatorResponse {
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
    /// The indicator.
    #[serde(flatten)]
    pub indicator: IndicatorBody,
}

/// One page of indicators.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IndicatorPage {
    /// Ordered by code.
    pub items: Vec<IndicatorResponse>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

impl Resource for Indicators {
    type Response = IndicatorResponse;
    const LISTING: &'static str = "indicators";
    const SEGMENT: &'static str = "indicators";

    fn response(
        s: Stored<Indicator>,
        _warnings: Vec<CatalogWarning>,
    ) -> Result<IndicatorResponse, ApiError> {
        Ok(IndicatorResponse {
            id: s.id,
            plan_id: s.plan_id,
            version: s.version,
            created_at: utc(s.created_at),
            updated_at: utc(s.updated_at),
            indicator: to_wire(&s.value.to_input())?,
        })
    }
}

item_handlers!(
    kind = Indicators,
    params = PillarListParams,
    body = IndicatorBody,
    response = IndicatorResponse,
    page = IndicatorPage,
    tag = "indicators",
    collection = "/plans/{plan_id}/indicators",
    item = "/plans/{plan_id}/indicators/{id}",
    operation_ids = [
        "list_indicators",
        "get_indicator",
        "create_indicator",
        "update_indicator",
        "delete_indicator"
    ],
);
