//! Rows of the DTI tables.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{dti_assessments, dti_criterion_scores, dti_frameworks};

/// A `dti_frameworks` row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dti_frameworks)]
pub struct DtiFrameworkRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub year: i32,
    pub unit_kind: String,
    pub version: i64,
    pub title: String,
    pub max_points: f64,
    pub definition_json: String,
    pub updated_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A `dti_assessments` row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dti_assessments, treat_none_as_null = true)]
pub struct DtiAssessmentRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub unit_code: String,
    pub year: i32,
    pub unit_kind: String,
    pub framework_id: i64,
    pub status: String,
    pub version: i64,
    pub answers_json: String,
    pub verification_json: Option<String>,
    pub self_assessed_by: String,
    pub self_assessed_at: NaiveDateTime,
    pub verified_by: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A `dti_criterion_scores` row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = dti_criterion_scores)]
pub struct DtiCriterionScoreRow {
    pub assessment_id: i64,
    pub criterion_code: String,
    pub unit_code: String,
    pub year: i32,
    pub unit_kind: String,
    pub pillar_code: String,
    pub self_points: f64,
    pub verified_points: Option<f64>,
}
