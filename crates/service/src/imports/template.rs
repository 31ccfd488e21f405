//! Import templates: the columns of one kind of row, pre-filled with the rows the caller is
//! expected to send for a period (one per unit it may write and item the unit reports on),
//! with the values stored so far (or the previous period's, as a report's template has them).

use dtihub_db::repo;
use dtihub_domain::access::Principal;
use dtihub_domain::period::Period;
use dtihub_domain::unit::UnitCode;

use super::{code_of, load_year, Col, IdScheme, Kind};
use crate::error::ServiceError;
use crate::reports::{self, ReportContent};
use crate::store::Store;

/// A template's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateFormat {
    /// CSV, UTF-8.
    Csv,
    /// XLSX, one sheet.
    Xlsx,
}

fn num(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn int(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn text(v: Option<&String>) -> String {
    v.cloned().unwrap_or_default()
}

/// The cells of one expected row.
fn cells(
    kind: Kind,
    unit: &str,
    period: Period,
    item: &str,
    content: &ReportContent,
    id: i64,
) -> Vec<String> {
    let mut out = Vec::new();
    for c in kind.columns() {
        let cell = match c {
            Col::Kind => kind.as_str().to_owned(),
            Col::Unit => unit.to_owned(),
            Col::Period => period.to_string(),
            Col::Item => item.to_owned(),
            _ => match kind {
                Kind::IndicatorValues => {
                    let v = content
                        .indicator_values
                        .iter()
                        .find(|v| v.indicator_id == id);
                    match c {
                        Col::Value => num(v.and_then(|v| v.value)),
                        Col::Numerator => num(v.and_then(|v| v.numerator)),
                        Col::Denominator => num(v.and_then(|v| v.denominator)),
                        Col::Text => text(v.and_then(|v| v.text.as_ref())),
                        Col::Note => text(v.and_then(|v| v.note.as_ref())),
                        Col::EvidenceNumber => text(v.and_then(|v| v.evidence_number.as_ref())),
                        Col::EvidenceDate => v
                            .and_then(|v| v.evidence_date)
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        _ => String::new(),
                    }
                }
                Kind::TaskProgress => {
                    let t = content.task_progress.iter().find(|t| t.task_id == id);
                    match c {
                        Col::Status => t
                            .and_then(|t| serde_json::to_value(t.status).ok())
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        Col::PercentComplete => num(t.and_then(|t| t.percent_complete)),
                        Col::Result => text(t.and_then(|t| t.result.as_ref())),
                        Col::Obstacles => text(t.and_then(|t| t.obstacles.as_ref())),
                        _ => String::new(),
                    }
                }
                Kind::ProjectProgress => {
                    let p = content.project_progress.iter().find(|p| p.project_id == id);
                    match c {
                        Col::DisbursedInPeriod => int(p.and_then(|p| p.disbursed_in_period)),
                        Col::CumulativeDisbursed => int(p.and_then(|p| p.cumulative_disbursed)),
                        Col::Stage => text(p.and_then(|p| p.stage.as_ref())),
                        Col::Note => text(p.and_then(|p| p.note.as_ref())),
                        _ => String::new(),
                    }
                }
                Kind::BudgetExecution => {
                    let b = content
                        .budget_execution
                        .iter()
                        .find(|b| b.budget_line_id == id);
                    match c {
                        Col::SpentInPeriod => int(b.and_then(|b| b.spent_in_period)),
                        Col::Note => text(b.and_then(|b| b.note.as_ref())),
                        _ => String::new(),
                    }
                }
            },
        };
        out.push(cell);
    }
    out
}

/// The header and the expected rows of a kind for a period, for the units the caller may
/// write.
pub fn rows(
    store: &Store,
    principal: &Principal,
    kind: Kind,
    period: Period,
    id_scheme: IdScheme,
) -> Result<(Vec<&'static str>, Vec<Vec<String>>), ServiceError> {
    let header = kind.columns().iter().map(|c| c.name()).collect();
    let body = store.read(|conn| {
        let catalog = load_year(conn, period.year())?;
        let mut units = repo::imports::unit_kinds(conn)?;
        units.sort();
        let mut out = Vec::new();
        for (code, unit_kind) in units {
            let Ok(unit) = UnitCode::parse(&code) else {
                continue;
            };
            if !principal.can_access_unit(&unit) {
                continue;
            }
            let mut ids: Vec<i64> = catalog
                .responsible(kind, &code, &unit_kind, period)
                .into_iter()
                .collect();
            if ids.is_empty() {
                continue;
            }
            ids.sort_unstable();
            let content = match reports::load(conn, &unit, period)? {
                Some((_, c)) => c,
                None => reports::template_in(conn, &unit, period)?.content,
            };
            for id in ids {
                let item = match id_scheme {
                    IdScheme::Code => code_of(&catalog, kind, id).unwrap_or_default().to_owned(),
                    IdScheme::Id => id.to_string(),
                };
                out.push(cells(kind, &code, period, &item, &content, id));
            }
        }
        Ok(out)
    })?;
    Ok((header, body))
}

/// The template as a file.
pub fn render(
    header: &[&str],
    rows: &[Vec<String>],
    format: TemplateFormat,
) -> Result<Vec<u8>, ServiceError> {
    match format {
        TemplateFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(header)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            for r in rows {
                w.write_record(r)
                    .map_err(|e| ServiceError::Internal(e.to_string()))?;
            }
            w.into_inner()
                .map_err(|e| ServiceError::Internal(e.to_string()))
        }
        TemplateFormat::Xlsx => {
            let internal = |e: rust_xlsxwriter::XlsxError| ServiceError::Internal(e.to_string());
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            for (c, name) in header.iter().enumerate() {
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                sheet.write_string(0, c, *name).map_err(internal)?;
            }
            for (r, row) in rows.iter().enumerate() {
                let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
                for (c, cell) in row.iter().enumerate() {
                    if cell.is_empty() {
                        continue;
                    }
                    let c = u16::try_from(c).unwrap_or(u16::MAX);
                    sheet.write_string(r, c, cell).map_err(internal)?;
                }
            }
            book.save_to_buffer().map_err(internal)
        }
    }
}
