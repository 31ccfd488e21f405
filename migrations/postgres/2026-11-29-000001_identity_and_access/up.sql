-- People who log in. Roles are a space-separated list of role names (validated by the
-- application); active is 0 or 1 (the dual-backend connection has no boolean type).
CREATE TABLE users (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    email                TEXT,
    unit_code            TEXT REFERENCES units (code),
    roles                TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    active               INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version              BIGINT NOT NULL DEFAULT 1,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    password_changed_at  TIMESTAMP NOT NULL
);
CREATE INDEX users_unit ON users (unit_code);

-- Machine clients (LGSP, scripts): OAuth 2.0 client credentials.
CREATE TABLE clients (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id          TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    secret_hash        TEXT NOT NULL,
    scopes             TEXT NOT NULL,
    unit_code          TEXT REFERENCES units (code),
    active             INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version            BIGINT NOT NULL DEFAULT 1,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    secret_rotated_at  TIMESTAMP NOT NULL
);

-- Refresh tokens, stored as SHA-256 of the random token. Each rotation adds a row to the
-- same family; presenting a used token again revokes the whole family.
CREATE TABLE refresh_tokens (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    family_id   TEXT NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    issued_at   TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP,
    revoked_at  TIMESTAMP
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Access tokens revoked before they expire (RFC 7009), by JWT id; rows past expires_at
-- are useless and deleted opportunistically.
CREATE TABLE revoked_access_tokens (
    jti         TEXT PRIMARY KEY,
    expires_at  TIMESTAMP NOT NULL
);

-- Failed logins per throttling key (user:<name>, client:<id>, addr:<ip>), in epoch
-- milliseconds: the window is sliding and must not depend on SQLite's whole seconds.
-- Kept in the database because instances are stateless and may run side by side.
CREATE TABLE login_failures (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    throttle_key  TEXT NOT NULL,
    failed_at_ms  BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (throttle_key, failed_at_ms);

-- Generated token-signing secrets (HS256 default): created once, on the first start,
-- shared by every instance on the same database.
CREATE TABLE signing_keys (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purpose     TEXT NOT NULL UNIQUE,
    kid         TEXT NOT NULL UNIQUE,
    algorithm   TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE INDEX audit_log_action ON audit_log (action, id);
