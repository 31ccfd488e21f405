//! Which units lead, coordinate, report, invest in, implement or are named by catalog items.

use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::UnitRoleRow;
use crate::schema::catalog_unit_roles;

/// The rows of several items of one kind, ordered by item, role and position.
pub fn for_items(conn: &mut DbConn, item_kind: &str, ids: &[i64]) -> QueryResult<Vec<UnitRoleRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    catalog_unit_roles::table
        .filter(catalog_unit_roles::item_kind.eq(item_kind))
        .filter(catalog_unit_roles::item_id.eq_any(ids.to_vec()))
        .order((
            catalog_unit_roles::item_id.asc(),
            catalog_unit_roles::role.asc(),
            catalog_unit_roles::position.asc(),
        ))
        .select(UnitRoleRow::as_select())
        .load(conn)
}

/// Replaces one item's rows.
pub fn replace(
    conn: &mut DbConn,
    item_kind: &str,
    item_id: i64,
    rows: &[UnitRoleRow],
) -> QueryResult<()> {
    delete_for(conn, item_kind, item_id)?;
    for row in rows {
        diesel::insert_into(catalog_unit_roles::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Deletes one item's rows.
pub fn delete_for(conn: &mut DbConn, item_kind: &str, item_id: i64) -> QueryResult<usize> {
    diesel::delete(
        catalog_unit_roles::table
            .filter(catalog_unit_roles::item_kind.eq(item_kind))
            .filter(catalog_unit_roles::item_id.eq(item_id)),
    )
    .execute(conn)
}
