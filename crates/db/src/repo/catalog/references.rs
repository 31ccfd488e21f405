//! Whether anything outside the catalog refers to a catalog item, so that deleting it would
//! orphan data.

use crate::conn::DbConn;
use diesel::QueryResult;

/// How many report rows refer to the catalog item (`indicator`, `task`, `project` or
/// `budget_line`) with this id. A use case refuses to delete an item that is referenced.
///
/// No report table exists yet: issue 5 (periodic reports) adds its tables here, each counted
/// for its own item kind (indicator values by `indicator_id`, task progress by `task_id`,
/// project progress by `project_id`, budget execution by `budget_line_id`), and issue 6 its
/// official assessments. Until then nothing refers to catalog items and the answer is 0.
pub fn count_report_references(
    _conn: &mut DbConn,
    _item_kind: &str,
    _item_id: i64,
) -> QueryResult<i64> {
    Ok(0)
}
