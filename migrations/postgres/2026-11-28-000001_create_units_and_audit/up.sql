CREATE TABLE units (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    name_folded     TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('province', 'department', 'commune', 'district')),
    parent_code     TEXT REFERENCES units (code),
    official_code   TEXT,
    valid_from      DATE NOT NULL,
    valid_to        DATE,
    successor_code  TEXT REFERENCES units (code),
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX units_kind_code ON units (kind, code);
CREATE INDEX units_parent ON units (parent_code);

CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at  TIMESTAMP NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    before_json  TEXT,
    after_json   TEXT,
    request_id   TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
