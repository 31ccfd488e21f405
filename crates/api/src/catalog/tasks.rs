//! `/api/v1/plans/{plan_id}/tasks`: nhiệm vụ with their timing and due date.

use actix_web::{delete, get, patch, post};
use chrono::{DateTime, NaiveDate, Utc};
use dtihub_domain::catalog::{CatalogWarning, Task};
use dtihub_service::catalog::{Stored, Tasks};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{item_handlers, to_wire, utc, PillarListParams, Resource, UnitsBody};
use crate::error::ApiError;

/// When a task is due.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimingBody {
    /// "Quý I/2023".
    Quarter {
        /// Year.
        year: i32,
        /// 1 to 4.
        quarter: u32,
    },
    /// "Quý II, III năm 2024".
    Quarters {
        /// Year.
        year: i32,
        /// First quarter.
        first: u32,
        /// Last quarter.
        last: u32,
    },
    /// "Tháng 10/2025".
    Month {
        /// Year.
        year: i32,
        /// 1 to 12.
        month: u32,
    },
    /// "Năm 2023", "Cuối năm 2024".
    Year {
        /// Year.
        year: i32,
    },
    /// "Năm 2023 - 2024".
    YearRange {
        /// First year.
        first: i32,
        /// Last year.
        last: i32,
    },
    /// "Hằng năm".
    Yearly,
    /// "Cuối mỗi Quý".
    Quarterly,
    /// "Thường xuyên".
    Continuous,
    /// "Khi có VB hướng dẫn của TW".
    Conditional,
}

/// A task as sent and as returned.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct TaskBody {
    /// Code, unique in the plan; required.
    #[schema(min_length = 1, example = "KH52-2024-NV-01")]
    pub code: String,
    /// What is to be done; required.
    #[schema(min_length = 1)]
    pub content: String,
    /// Top heading as printed.
    pub section: Option<String>,
    /// The heading the task sits under.
    pub category: Option<String>,
    /// Pillar, where the heading maps to one.
    pub pillar: Option<String>,
    /// Lead units (chủ trì).
    #[schema(nullable)]
    pub lead: UnitsBody,
    /// Coordinating units (phối hợp).
    #[schema(nullable)]
    pub coordinating: UnitsBody,
    /// When it is due; read from `timing_text` when absent.
    pub timing: Option<TimingBody>,
    /// Timing as printed ("Quý I/2023", "Cuối năm 2024", "Hằng năm", …).
    #[schema(example = "Cuối năm 2024")]
    pub timing_text: Option<String>,
    /// Where it is transcribed from.
    pub source: Option<String>,
    /// Row as printed (Stt).
    pub source_row: Option<String>,
}

/// A task with its id, version and due date.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaskResponse {
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
    /// The last day of the period named; null for recurring, continuous or conditional tasks.
    pub due_date: Option<NaiveDate>,
    /// The task.
    #[serde(flatten)]
    pub task: TaskBody,
}

/// One page of tasks.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaskPage {
    /// Ordered by code.
    pub items: Vec<TaskResponse>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

impl Resource for Tasks {
    type Response = TaskResponse;
    const LISTING: &'static str = "tasks";
    const SEGMENT: &'static str = "tasks";

    fn response(s: Stored<Task>, _warnings: Vec<CatalogWarning>) -> Result<TaskResponse, ApiError> {
        Ok(TaskResponse {
            id: s.id,
            plan_id: s.plan_id,
            version: s.version,
            created_at: utc(s.created_at),
            updated_at: utc(s.updated_at),
            due_date: s.value.due_date(),
            task: to_wire(&s.value.to_input())?,
        })
    }
}

item_handlers!(
    kind = Tasks,
    params = PillarListParams,
    body = TaskBody,
    response = TaskResponse,
    page = TaskPage,
    tag = "tasks",
    collection = "/plans/{plan_id}/tasks",
    item = "/plans/{plan_id}/tasks/{id}",
    operation_ids = [
        "list_tasks",
        "get_task",
        "create_task",
        "update_task",
        "delete_task"
    ],
);
