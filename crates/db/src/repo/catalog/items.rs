//! The four item tables. Each module has the same functions; indicators and projects also
//! have their per-year child rows (targets, allocations).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::{
    AllocationRow, BudgetLineData, BudgetLineRow, IndicatorData, IndicatorRow, ProjectData,
    ProjectRow, TargetRow, TaskData, TaskRow,
};
use crate::repo::catalog::roles;
use crate::repo::catalog::ItemFilter;
use crate::repo::units::like_contains;
use crate::schema::{
    budget_lines, catalog_unit_roles, indicator_targets, indicators, project_allocations, projects,
    tasks,
};

macro_rules! item_table {
    (
        $(#[$meta:meta])*
        $module:ident, $table:ident, $Row:ty, $Data:ty,
        kind = $kind:literal, folded = $folded:ident, lead_roles = [$($role:literal),+]
        $(, pillar = $pillar:ident)?
    ) => {
        $(#[$meta])*
        pub mod $module {
            use super::*;

            /// The item kind's name in `catalog_unit_roles` and the audit log.
            pub const KIND: &str = $kind;

            /// Inserts an item and returns the stored row.
            pub fn insert(conn: &mut DbConn, data: &$Data, now: NaiveDateTime) -> QueryResult<$Row> {
                diesel::insert_into($table::table)
                    .values((
                        data,
                        $table::version.eq(1_i64),
                        $table::created_at.eq(now),
                        $table::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                $table::table
                    .filter($table::plan_id.eq(data.plan_id))
                    .filter($table::code.eq(&data.code))
                    .select(<$Row>::as_select())
                    .first(conn)
            }

            /// One item of a plan by id.
            pub fn find(conn: &mut DbConn, plan_id: i64, id: i64) -> QueryResult<Option<$Row>> {
                $table::table
                    .filter($table::plan_id.eq(plan_id))
                    .filter($table::id.eq(id))
                    .select(<$Row>::as_select())
                    .first(conn)
                    .optional()
            }

            /// Lists a plan's items ordered by code, at most `limit` rows.
            pub fn list(
                conn: &mut DbConn,
                plan_id: i64,
                filter: &ItemFilter<'_>,
                limit: i64,
            ) -> QueryResult<Vec<$Row>> {
                let mut query = $table::table
                    .filter($table::plan_id.eq(plan_id))
                    .select(<$Row>::as_select())
                    .into_boxed();
                $(
                    if let Some(p) = filter.pillar {
                        query = query.filter($table::$pillar.eq(p.to_owned()));
                    }
                )?
                if let Some(unit) = filter.lead_unit {
                    let led = catalog_unit_roles::table
                        .filter(catalog_unit_roles::item_kind.eq(KIND))
                        .filter(catalog_unit_roles::role.eq_any([$($role),+]))
                        .filter(catalog_unit_roles::unit_code.eq(unit.to_owned()))
                        .select(catalog_unit_roles::item_id);
                    query = query.filter($table::id.eq_any(led));
                }
                if let Some(q) = filter.folded_query {
                    query = query.filter($table::$folded.like(like_contains(q)).escape('\\'));
                }
                if let Some(after) = filter.after_code {
                    query = query.filter($table::code.gt(after.to_owned()));
                }
                query.order($table::code.asc()).limit(limit).load(conn)
            }

            /// Every item of a plan, ordered by code.
            pub fn all_in_plan(conn: &mut DbConn, plan_id: i64) -> QueryResult<Vec<$Row>> {
                $table::table
                    .filter($table::plan_id.eq(plan_id))
                    .order($table::code.asc())
                    .select(<$Row>::as_select())
                    .load(conn)
            }

            /// How many items a plan has.
            pub fn count_in_plan(conn: &mut DbConn, plan_id: i64) -> QueryResult<i64> {
                $table::table
                    .filter($table::plan_id.eq(plan_id))
                    .count()
                    .get_result(conn)
            }

            /// Overwrites an item's columns when its version is still `expected_version`,
            /// bumping it. Returns how many rows changed (0: gone or stale).
            pub fn update(
                conn: &mut DbConn,
                id: i64,
                expected_version: i64,
                data: &$Data,
                now: NaiveDateTime,
            ) -> QueryResult<usize> {
                diesel::update(
                    $table::table
                        .filter($table::id.eq(id))
                        .filter($table::version.eq(expected_version)),
                )
                .set((
                    data,
                    $table::version.eq(expected_version + 1),
                    $table::updated_at.eq(now),
                ))
                .execute(conn)
            }

            /// Deletes an item with its unit roles (child rows go by `ON DELETE CASCADE`)
            /// when its version is still `expected_version`. Returns how many items were
            /// deleted (0: gone or stale).
            pub fn delete(conn: &mut DbConn, id: i64, expected_version: i64) -> QueryResult<usize> {
                let deleted = diesel::delete(
                    $table::table
                        .filter($table::id.eq(id))
                        .filter($table::version.eq(expected_version)),
                )
                .execute(conn)?;
                if deleted > 0 {
                    roles::delete_for(conn, KIND, id)?;
                }
                Ok(deleted)
            }
        }
    };
}

item_table!(
    /// Indicators (chỉ tiêu).
    indicator, indicators, IndicatorRow, IndicatorData,
    kind = "indicator", folded = name_folded, lead_roles = ["lead"], pillar = pillar
);
item_table!(
    /// Tasks (nhiệm vụ).
    task, tasks, TaskRow, TaskData,
    kind = "task", folded = content_folded, lead_roles = ["lead"], pillar = pillar
);
item_table!(
    /// Projects (dự án): the lead unit is the investor.
    project, projects, ProjectRow, ProjectData,
    kind = "project", folded = name_folded, lead_roles = ["investor"]
);
item_table!(
    /// Budget lines: the lead unit is the implementing unit.
    budget_line, budget_lines, BudgetLineRow, BudgetLineData,
    kind = "budget_line", folded = name_folded, lead_roles = ["implementing"]
);

/// The targets of several indicators, ordered by indicator and year.
pub fn targets_for(conn: &mut DbConn, indicator_ids: &[i64]) -> QueryResult<Vec<TargetRow>> {
    if indicator_ids.is_empty() {
        return Ok(Vec::new());
    }
    indicator_targets::table
        .filter(indicator_targets::indicator_id.eq_any(indicator_ids.to_vec()))
        .order((
            indicator_targets::indicator_id.asc(),
            indicator_targets::year.asc(),
        ))
        .select(TargetRow::as_select())
        .load(conn)
}

/// Replaces an indicator's targets.
pub fn replace_targets(
    conn: &mut DbConn,
    indicator_id: i64,
    rows: &[TargetRow],
) -> QueryResult<()> {
    diesel::delete(
        indicator_targets::table.filter(indicator_targets::indicator_id.eq(indicator_id)),
    )
    .execute(conn)?;
    for row in rows {
        diesel::insert_into(indicator_targets::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The allocations of several projects, ordered by project and year.
pub fn allocations_for(conn: &mut DbConn, project_ids: &[i64]) -> QueryResult<Vec<AllocationRow>> {
    if project_ids.is_empty() {
        return Ok(Vec::new());
    }
    project_allocations::table
        .filter(project_allocations::project_id.eq_any(project_ids.to_vec()))
        .order((
            project_allocations::project_id.asc(),
            project_allocations::year.asc(),
        ))
        .select(AllocationRow::as_select())
        .load(conn)
}

/// Replaces a project's allocations.
pub fn replace_allocations(
    conn: &mut DbConn,
    project_id: i64,
    rows: &[AllocationRow],
) -> QueryResult<()> {
    diesel::delete(
        project_allocations::table.filter(project_allocations::project_id.eq(project_id)),
    )
    .execute(conn)?;
    for row in rows {
        diesel::insert_into(project_allocations::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}
