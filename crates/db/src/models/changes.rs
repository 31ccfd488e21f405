//! Rows of the change feed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::change_events;

/// A `change_events` row (also what is inserted: the number is taken before the insert).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = change_events)]
pub struct ChangeEventRow {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub event_type: String,
    pub entity: String,
    pub entity_id: String,
    pub unit_code: Option<String>,
    pub audience_unit: Option<String>,
    pub period: Option<String>,
    pub version: Option<i64>,
    pub link: Option<String>,
    pub actor: String,
    pub data_json: Option<String>,
}
