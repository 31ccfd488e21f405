-- Imports run as jobs (`Prefer: respond-async`): the upload and the job's state live in the
-- database, so that a worker in any instance can run it. A worker claims a queued job, or a
-- running one whose lease ran out (its instance died), and renews the lease while it runs; the
-- job is marked succeeded in the same transaction as its data, its import record and its
-- idempotency key.
CREATE TABLE import_jobs (
    id              TEXT PRIMARY KEY,
    actor           TEXT NOT NULL,
    principal_json  TEXT NOT NULL,
    request_json    TEXT NOT NULL,
    idem_key        TEXT,
    request_hash    TEXT NOT NULL,
    body            BYTEA NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    lease_owner     TEXT,
    lease_until     TIMESTAMP,
    failure_json    TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX import_jobs_claim ON import_jobs (status, created_at);
-- One job per caller and idempotency key (jobs without a key are not constrained: NULLs differ).
CREATE UNIQUE INDEX import_jobs_key ON import_jobs (actor, idem_key);
