//! Imports run as jobs: enqueueing an upload, claiming a job (a queued one, or a running one
//! whose lease ran out), renewing and giving up the lease, and finishing it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::{ImportJobRow, NewImportJob};
use crate::schema::import_jobs;

/// Enqueues a job.
pub fn insert(conn: &mut DbConn, row: &NewImportJob) -> QueryResult<()> {
    diesel::insert_into(import_jobs::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// A job by id.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<ImportJobRow>> {
    import_jobs::table
        .filter(import_jobs::id.eq(id))
        .select(ImportJobRow::as_select())
        .first(conn)
        .optional()
}

/// The job a caller enqueued with an idempotency key.
pub fn find_by_key(conn: &mut DbConn, actor: &str, key: &str) -> QueryResult<Option<ImportJobRow>> {
    import_jobs::table
        .filter(import_jobs::actor.eq(actor))
        .filter(import_jobs::idem_key.eq(key))
        .select(ImportJobRow::as_select())
        .first(conn)
        .optional()
}

/// A job's upload.
pub fn body(conn: &mut DbConn, id: &str) -> QueryResult<Option<Vec<u8>>> {
    import_jobs::table
        .filter(import_jobs::id.eq(id))
        .select(import_jobs::body)
        .first(conn)
        .optional()
}

/// Whether some job is waiting to be claimed (a cheap read before [`claim`]'s write).
pub fn any_claimable(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<bool> {
    import_jobs::table
        .filter(
            import_jobs::status.eq("queued").or(import_jobs::status
                .eq("running")
                .and(import_jobs::lease_until.lt(now))),
        )
        .select(import_jobs::id)
        .first::<String>(conn)
        .optional()
        .map(|id| id.is_some())
}

/// Claims the oldest job that is queued, or running under a lease that ended before `now`:
/// it becomes `running` under `owner` until `lease_until`. Run it in a write transaction. On
/// PostgreSQL the candidate is locked with `FOR UPDATE SKIP LOCKED`, so concurrent workers
/// pick different jobs; on SQLite the write transaction serialises them. Either way the
/// `UPDATE` re-checks the condition, so a job is claimed by one worker only.
pub fn claim(
    conn: &mut DbConn,
    owner: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<Option<ImportJobRow>> {
    let claimable = import_jobs::status.eq("queued").or(import_jobs::status
        .eq("running")
        .and(import_jobs::lease_until.lt(now)));
    let candidate = import_jobs::table
        .filter(claimable)
        .order(import_jobs::created_at.asc())
        .select(import_jobs::id);
    let id: Option<String> = match conn {
        DbConn::Postgresql(c) => candidate.for_update().skip_locked().first(c).optional()?,
        DbConn::Sqlite(c) => candidate.first(c).optional()?,
    };
    let Some(id) = id else {
        return Ok(None);
    };
    let claimed = diesel::update(
        import_jobs::table
            .filter(import_jobs::id.eq(&id))
            .filter(claimable),
    )
    .set((
        import_jobs::status.eq("running"),
        import_jobs::lease_owner.eq(owner),
        import_jobs::lease_until.eq(lease_until),
        import_jobs::attempts.eq(import_jobs::attempts + 1),
        import_jobs::updated_at.eq(now),
    ))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(None);
    }
    find(conn, &id)
}

/// Extends the lease of a job `owner` still holds; `false` when it no longer does.
pub fn renew(
    conn: &mut DbConn,
    id: &str,
    owner: &str,
    lease_until: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        import_jobs::table
            .filter(import_jobs::id.eq(id))
            .filter(import_jobs::lease_owner.eq(owner))
            .filter(import_jobs::status.eq("running")),
    )
    .set(import_jobs::lease_until.eq(lease_until))
    .execute(conn)
    .map(|n| n == 1)
}

/// Gives a job back to the queue (it could not run now, and may later).
pub fn release(conn: &mut DbConn, id: &str, owner: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        import_jobs::table
            .filter(import_jobs::id.eq(id))
            .filter(import_jobs::lease_owner.eq(owner))
            .filter(import_jobs::status.eq("running")),
    )
    .set((
        import_jobs::status.eq("queued"),
        import_jobs::lease_owner.eq(None::<String>),
        import_jobs::lease_until.eq(None::<NaiveDateTime>),
        import_jobs::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Ends a job `owner` holds as `succeeded` or `failed` (with what went wrong) and drops its
/// upload; `false` when the owner lost the lease (another worker took the job over).
pub fn finish(
    conn: &mut DbConn,
    id: &str,
    owner: &str,
    status: &str,
    failure_json: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        import_jobs::table
            .filter(import_jobs::id.eq(id))
            .filter(import_jobs::lease_owner.eq(owner))
            .filter(import_jobs::status.eq("running")),
    )
    .set((
        import_jobs::status.eq(status),
        import_jobs::failure_json.eq(failure_json),
        import_jobs::lease_owner.eq(None::<String>),
        import_jobs::lease_until.eq(None::<NaiveDateTime>),
        import_jobs::body.eq(Vec::<u8>::new()),
        import_jobs::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}
