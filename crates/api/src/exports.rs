//! `GET /api/v1/exports/{name}.{format}`: the appendices as XLSX or CSV files, with a
//! `Content-Disposition` naming the file in ASCII (`filename`) and in UTF-8
//! (`filename*`, RFC 6266 / RFC 8187). The exports themselves are the registry
//! `dtihub_service::exports::REGISTRY`.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use dtihub_domain::text::fold;
use dtihub_domain::FieldError;
use dtihub_service::exports::{self, ExportQuery};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::aggregates::{query_int, query_period, query_unit_kind};
use crate::auth::{Allowed, ReadAggregates};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Query of an export: what each export needs (`plan` for indicator results, projects and
/// recurrent budget, with `year` for indicator results; `period` and optionally `unit_kind`
/// for compliance).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// The plan's id.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub plan: Option<String>,
    /// The year (indicator results; default: the plan's first year).
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
    /// The period (compliance).
    #[param(
        pattern = "^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$",
        example = "2025-09"
    )]
    pub period: Option<String>,
    /// Only units of this kind (compliance).
    #[param(pattern = "^(province|department|commune|district)$")]
    pub unit_kind: Option<String>,
}

/// Percent-encodes a file name for `filename*=UTF-8''…` (RFC 8187 attr-char kept).
fn rfc8187(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b);
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An ASCII stand-in for the file name: diacritics folded, anything else but letters, digits,
/// `-`, `_` and `.` as `-`.
fn ascii_name(name: &str) -> String {
    fold(name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// `attachment; filename="…"; filename*=UTF-8''…`.
pub fn content_disposition(file_name: &str) -> String {
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_name(file_name),
        rfc8187(file_name)
    )
}

/// Download an export.
///
/// `name`: `indicator-results` (Phụ lục I: results grouped by pillar, official assessment;
/// `plan`, `year`), `projects` (Phụ lục II/V; `plan`), `recurrent-budget` (Phụ lục III/VI;
/// `plan`), `compliance` (`period`, `unit_kind`), `dti-ranking` (the DTI ranking of a year:
/// `period=YYYY`, `unit_kind`, default `commune`). `format`: `xlsx` or `csv`. Each file has a
/// title row naming the plan and period, Vietnamese headers and a totals row; money is in
/// triệu đồng (XLSX: numbers formatted with `.` thousands separators; CSV: as printed,
/// `5.618`). CSV is UTF-8 with a byte-order mark.
#[utoipa::path(
    tag = "aggregates",
    operation_id = "get_export",
    params(
        ("name" = String, Path, description = "Export name", example = "indicator-results",
            pattern = "^(indicator-results|projects|recurrent-budget|compliance|dti-ranking)$"),
        ("format" = String, Path, description = "`xlsx` or `csv`", example = "xlsx", pattern = "^(xlsx|csv)$"),
        ExportParams,
    ),
    security(("bearer" = []), ("oauth2" = ["aggregates:read"])),
    responses(
        (status = 200, description = "The file",
            content(
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/csv"),
            ),
            headers(("Content-Disposition" = String, description = "attachment with filename and filename*"))),
        (status = 400, description = "A query parameter the export needs is missing or invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "May not read aggregates", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such export or format, or no plan has this id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The year is not one of the plan's", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/{name}.{format}")]
pub async fn export(
    _caller: Allowed<ReadAggregates>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse, ApiError> {
    let (name, format) = path.into_inner();
    if !exports::names().contains(&name.as_str()) || !matches!(format.as_str(), "xlsx" | "csv") {
        return Err(ApiError::not_found());
    }
    let mut errors = Vec::new();
    let plan = query_int("plan", params.plan.as_deref(), 1, i64::MAX, &mut errors);
    let year = query_int("year", params.year.as_deref(), 2000, 2100, &mut errors)
        .and_then(|y| i32::try_from(y).ok());
    let period = params
        .period
        .as_deref()
        .and_then(|p| query_period(Some(p), &mut errors));
    let unit_kind = query_unit_kind(params.unit_kind.as_deref(), &mut errors);
    let needs_plan = !matches!(name.as_str(), "compliance" | "dti-ranking");
    if needs_plan && params.plan.is_none() {
        errors.push(FieldError::new("query:plan", "required"));
    }
    if !needs_plan && params.period.is_none() {
        errors.push(FieldError::new("query:period", "required"));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_query(errors));
    }
    let query = ExportQuery {
        plan,
        year,
        period,
        unit_kind,
    };
    let store = state.store.clone();
    let xlsx = format == "xlsx";
    let (bytes, stem) = web::block(move || {
        let sheet = exports::build(&store, &name, &query).unwrap_or(Err(
            dtihub_service::ServiceError::NotFound { entity: "export" },
        ))?;
        let bytes = if xlsx {
            exports::to_xlsx(&sheet)?
        } else {
            exports::to_csv(&sheet)?
        };
        Ok::<_, dtihub_service::ServiceError>((bytes, sheet.file_stem))
    })
    .await??;
    let file = format!("{stem}.{format}");
    let content_type = if xlsx {
        XLSX
    } else {
        "text/csv; charset=utf-8"
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_DISPOSITION, content_disposition(&file)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_quoted_both_ways() {
        let d = content_disposition("Kết quả chỉ tiêu KH-99-2023 năm 2023.xlsx");
        assert_eq!(
            d,
            "attachment; filename=\"ket-qua-chi-tieu-kh-99-2023-nam-2023.xlsx\"; \
             filename*=UTF-8''K%E1%BA%BFt%20qu%E1%BA%A3%20ch%E1%BB%89%20ti%C3%AAu%20KH-99-2023%20n%C4%83m%202023.xlsx"
        );
    }
}
