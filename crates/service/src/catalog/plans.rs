//! Plans: list, get, create and update (with an expected version).

use chrono::Utc;
use dtihub_db::models::{DeclaredTotalRow, LegalBasisRow, PlanData, PlanRow};
use dtihub_db::repo::catalog::plans::{self as repo, PlanFilter};
use dtihub_db::DbConn;
use dtihub_domain::catalog::plan::{
    DeclaredTableTotal, DeclaredTotals, LegalBasis, PlanInput, PlanKind, PlanStatus, TotalColumn,
};
use dtihub_domain::catalog::{Plan, PlanCode, PlanId, PlanYears};
use dtihub_domain::text::fold;
use dtihub_domain::unit::UnitCode;
use dtihub_domain::FieldError;
use serde_json::Value;

use super::items::CatalogItem;
use super::{
    audit_json, bad_row, check_limit, check_units_exist, folded_query, input_from_json,
    merge_patch, Indicators, Page, Projects, Stored,
};
use crate::audit;
use crate::error::ServiceError;
use crate::store::{Actor, Store};

/// Filters and paging of the plan listing.
#[derive(Debug, Clone, Default)]
pub struct PlanQuery {
    /// Free text matched without diacritics against the title.
    pub q: Option<String>,
    /// Only plans covering this year.
    pub year: Option<i32>,
    /// Continue after this key.
    pub after: Option<PlanCode>,
    /// Page size, 1 to 200.
    pub limit: u32,
}

const ENTITY: &str = "plan";

fn data(v: &Plan) -> PlanData {
    PlanData {
        code: v.code.to_string(),
        number: v.number.clone(),
        title: v.title.clone(),
        title_folded: fold(&v.title),
        kind: v.kind.as_str().to_owned(),
        issued_date: v.issued_date,
        issuer_unit: v.issuer_unit.as_ref().map(UnitCode::to_string),
        signer: v.signer.clone(),
        signer_title: v.signer_title.clone(),
        first_year: v.years.first,
        last_year: v.years.last,
        status: v.status.as_str().to_owned(),
        focal_unit: v.focal_unit.as_ref().map(UnitCode::to_string),
        general_goals: v.general_goals.clone(),
        report_due_date: v.report_due_date,
        declared_total_vnd: v.declared.total_vnd,
        declared_investment_vnd: v.declared.investment_vnd,
        declared_recurrent_vnd: v.declared.recurrent_vnd,
        declared_central_vnd: v.declared.central_vnd,
        declared_local_vnd: v.declared.local_vnd,
        declared_totals_text: v.declared.text.clone(),
        source: v.source.clone(),
    }
}

fn write_children(conn: &mut DbConn, id: i64, v: &Plan) -> Result<(), ServiceError> {
    let bases: Vec<LegalBasisRow> = v
        .legal_bases
        .iter()
        .zip(0..)
        .map(|(b, position)| LegalBasisRow {
            id: 0,
            plan_id: id,
            position,
            doc_type: b.doc_type.clone(),
            number: b.number.clone(),
            issued_on: b.date,
            title: b.title.clone(),
            citation: b.citation.clone(),
        })
        .collect();
    repo::replace_legal_bases(conn, id, &bases)?;
    let totals: Vec<DeclaredTotalRow> = v
        .declared_table_totals
        .iter()
        .map(|t| DeclaredTotalRow {
            id: 0,
            plan_id: id,
            column_name: t.column.as_str().to_owned(),
            amount_vnd: t.amount_vnd,
            printed_text: t.printed_text.clone(),
            source: t.source.clone(),
        })
        .collect();
    repo::replace_declared_totals(conn, id, &totals)?;
    Ok(())
}

fn load(conn: &mut DbConn, row: PlanRow) -> Result<Stored<Plan>, ServiceError> {
    let bad = || bad_row("plans", row.id);
    let unit = |code: &Option<String>| -> Result<Option<UnitCode>, ServiceError> {
        code.as_deref()
            .map(|c| UnitCode::parse(c).map_err(|_| bad()))
            .transpose()
    };
    let legal_bases = repo::legal_bases(conn, row.id)?
        .into_iter()
        .map(|b| LegalBasis {
            doc_type: b.doc_type,
            number: b.number,
            date: b.issued_on,
            title: b.title,
            citation: b.citation,
        })
        .collect();
    let declared_table_totals = repo::declared_totals(conn, row.id)?
        .into_iter()
        .map(|t| {
            Ok(DeclaredTableTotal {
                column: TotalColumn::from_text(&t.column_name)
                    .ok_or_else(|| bad_row("plan_declared_totals", t.id))?,
                amount_vnd: t.amount_vnd,
                printed_text: t.printed_text,
                source: t.source,
            })
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    let value = Plan {
        code: PlanCode::parse(&row.code).map_err(|_| bad())?,
        kind: PlanKind::from_text(&row.kind).ok_or_else(bad)?,
        status: PlanStatus::from_text(&row.status).ok_or_else(bad)?,
        issuer_unit: unit(&row.issuer_unit)?,
        focal_unit: unit(&row.focal_unit)?,
        years: PlanYears {
            first: row.first_year,
            last: row.last_year,
        },
        declared: DeclaredTotals {
            total_vnd: row.declared_total_vnd,
            investment_vnd: row.declared_investment_vnd,
            recurrent_vnd: row.declared_recurrent_vnd,
            central_vnd: row.declared_central_vnd,
            local_vnd: row.declared_local_vnd,
            text: row.declared_totals_text,
        },
        number: row.number,
        title: row.title,
        issued_date: row.issued_date,
        signer: row.signer,
        signer_title: row.signer_title,
        general_goals: row.general_goals,
        report_due_date: row.report_due_date,
        source: row.source,
        legal_bases,
        declared_table_totals,
    };
    Ok(Stored {
        id: row.id,
        plan_id: row.id,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        value,
    })
}

/// One plan inside the caller's transaction.
pub(crate) fn find_in(conn: &mut DbConn, id: PlanId) -> Result<Stored<Plan>, ServiceError> {
    let row = repo::find(conn, id.0)?.ok_or(ServiceError::NotFound { entity: ENTITY })?;
    load(conn, row)
}

/// Lists plans by the query, ordered by key.
pub fn list(store: &Store, query: &PlanQuery) -> Result<Page<Plan>, ServiceError> {
    let limit = check_limit(query.limit)?;
    let folded = folded_query(query.q.as_deref())?;
    let filter = PlanFilter {
        folded_query: folded.as_deref(),
        year: query.year,
        after_code: query.after.as_ref().map(PlanCode::as_str),
    };
    store.read(|conn| {
        let rows = repo::list(conn, &filter, limit + 1)?;
        let has_more = rows.len() as i64 > limit;
        let items = rows
            .into_iter()
            .take(query.limit as usize)
            .map(|row| load(conn, row))
            .collect::<Result<Vec<_>, _>>()?;
        let next_after = if has_more {
            items.last().map(|p| p.value.code.to_string())
        } else {
            None
        };
        Ok(Page { items, next_after })
    })
}

/// One plan.
pub fn get(store: &Store, id: PlanId) -> Result<Stored<Plan>, ServiceError> {
    store.read(|conn| find_in(conn, id))
}

/// One plan by its key.
pub fn get_by_code(store: &Store, code: &PlanCode) -> Result<Stored<Plan>, ServiceError> {
    store.read(|conn| {
        let row = repo::find_by_code(conn, code.as_str())?
            .ok_or(ServiceError::NotFound { entity: ENTITY })?;
        load(conn, row)
    })
}

/// Validates and stores a new plan, in one transaction, audited.
pub fn create(
    store: &Store,
    actor: &Actor,
    input: &PlanInput,
) -> Result<Stored<Plan>, ServiceError> {
    store.transaction(|conn| create_in(conn, actor, input))
}

/// [`create`] inside the caller's transaction.
pub fn create_in(
    conn: &mut DbConn,
    actor: &Actor,
    input: &PlanInput,
) -> Result<Stored<Plan>, ServiceError> {
    let value = Plan::parse(input)?;
    check_units_exist(conn, &value.unit_refs())?;
    let now = Utc::now().naive_utc();
    let row = repo::insert(conn, &data(&value), now)?;
    write_children(conn, row.id, &value)?;
    let stored = find_in(conn, PlanId(row.id))?;
    let after = audit_json(&stored.value)?;
    audit::record(
        conn,
        actor,
        "plan.create",
        ENTITY,
        &row.id.to_string(),
        None,
        Some(&after),
    )?;
    Ok(stored)
}

/// Changes a plan by a JSON merge patch (RFC 7396) over its input form, in one transaction,
/// audited. With `expected_version` the change applies only if the plan still has it.
/// Narrowing the plan's years is refused while a target or allocation lies outside them.
pub fn update(
    store: &Store,
    actor: &Actor,
    id: PlanId,
    expected_version: Option<i64>,
    patch: &Value,
) -> Result<Stored<Plan>, ServiceError> {
    store.transaction(|conn| {
        let current = find_in(conn, id)?;
        // The body is judged before the version: a malformed request is a 422 whatever its
        // If-Match says.
        let mut doc = audit_json(&current.value.to_input())?;
        merge_patch(&mut doc, patch);
        let input: PlanInput = input_from_json(doc)?;
        let value = Plan::parse(&input)?;
        check_units_exist(conn, &value.unit_refs())?;
        if value.years != current.value.years {
            check_items_within(conn, id, value.years)?;
        }
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ServiceError::PreconditionFailed);
        }
        let now = Utc::now().naive_utc();
        if repo::update(conn, id.0, current.version, &data(&value), now)? == 0 {
            return Err(ServiceError::PreconditionFailed);
        }
        write_children(conn, id.0, &value)?;
        let stored = find_in(conn, id)?;
        let before = audit_json(&current.value)?;
        let after = audit_json(&stored.value)?;
        audit::record(
            conn,
            actor,
            "plan.update",
            ENTITY,
            &id.to_string(),
            Some(&before),
            Some(&after),
        )?;
        Ok(stored)
    })
}

fn check_items_within(conn: &mut DbConn, id: PlanId, years: PlanYears) -> Result<(), ServiceError> {
    let outside_targets = Indicators::all(conn, id.0)?
        .iter()
        .flat_map(|i| i.value.targets.iter().map(|t| t.year))
        .any(|y| !years.contains(y));
    let outside_allocations = Projects::all(conn, id.0)?
        .iter()
        .flat_map(|p| p.value.allocations.iter().map(|a| a.year))
        .any(|y| !years.contains(y));
    if outside_targets || outside_allocations {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "/first_year",
            "items_outside_plan_years",
        )]));
    }
    Ok(())
}
