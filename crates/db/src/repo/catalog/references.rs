//! Whether anything outside the catalog refers to a catalog item, so that deleting it would
//! orphan data.

use crate::conn::DbConn;
use diesel::QueryResult;

/// How many report rows refer to the catalog item (`indicator`, `task`, `project` or
/// `budget_line`) with this id. A use case refuses to delete an item that is referenced.
///
/// Counted per item kind in the periodic-report item tables; issue 6 adds its official
/// assessments here.
pub fn count_report_references(
    conn: &mut DbConn,
    item_kind: &str,
    item_id: i64,
) -> QueryResult<i64> {
    crate::repo::reports::count_item_references(conn, item_kind, item_id)
}
