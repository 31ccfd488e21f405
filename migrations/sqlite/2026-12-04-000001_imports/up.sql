-- Bulk imports: one row per import that ran (its summary, for `GET /api/v1/imports/{id}`), and
-- the idempotency keys, scoped per caller. A key is claimed in the same transaction as the
-- data it guards, so that a crash leaves neither; the stored response is replayed for the
-- same key and body.
CREATE TABLE imports (
    id            TEXT PRIMARY KEY,
    actor         TEXT NOT NULL,
    status        TEXT NOT NULL,
    mode          TEXT NOT NULL,
    format        TEXT NOT NULL,
    rows_total    BIGINT NOT NULL,
    summary_json  TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP
);
CREATE INDEX imports_actor ON imports (actor, created_at);

CREATE TABLE import_keys (
    actor          TEXT NOT NULL,
    idem_key       TEXT NOT NULL,
    request_hash   TEXT NOT NULL,
    status_code    INTEGER NOT NULL,
    response_json  TEXT NOT NULL,
    import_id      TEXT,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (actor, idem_key)
);
CREATE INDEX import_keys_created_at ON import_keys (created_at);
