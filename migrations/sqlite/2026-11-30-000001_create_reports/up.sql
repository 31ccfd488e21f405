-- Periodic reports: one per unit and period, its items in child tables (one per catalog item
-- kind, so that deleting a catalog item is refused while reports refer to it), and an
-- immutable JSON snapshot per submission and workflow action. Booleans are INTEGER 0/1
-- (diesel's MultiConnection has no Bool); money is BIGINT VND.
CREATE TABLE reports (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_code           TEXT NOT NULL REFERENCES units (code),
    period              TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'accepted')),
    version             BIGINT NOT NULL DEFAULT 1,
    deadline            DATE NOT NULL,
    first_submitted_at  TIMESTAMP,
    late                INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    returned_count      INTEGER NOT NULL DEFAULT 0,
    submitted_by        TEXT,
    submitted_at        TIMESTAMP,
    accepted_by         TEXT,
    accepted_at         TIMESTAMP,
    last_reason         TEXT,
    achievements        TEXT,
    limitations         TEXT,
    difficulties        TEXT,
    proposals           TEXT,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    UNIQUE (unit_code, period)
);
CREATE INDEX reports_period_status ON reports (period, status);

CREATE TABLE report_indicator_values (
    report_id         BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    indicator_id      BIGINT NOT NULL REFERENCES indicators (id),
    value             DOUBLE PRECISION,
    numerator         DOUBLE PRECISION,
    denominator       DOUBLE PRECISION,
    value_text        TEXT,
    note              TEXT,
    evidence_number   TEXT,
    evidence_date     DATE,
    PRIMARY KEY (report_id, position)
);
CREATE INDEX report_indicator_values_indicator ON report_indicator_values (indicator_id);

CREATE TABLE report_task_progress (
    report_id         BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    task_id           BIGINT NOT NULL REFERENCES tasks (id),
    status            TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'completed', 'overdue')),
    percent_complete  DOUBLE PRECISION,
    result            TEXT,
    obstacles         TEXT,
    PRIMARY KEY (report_id, position)
);
CREATE INDEX report_task_progress_task ON report_task_progress (task_id);

CREATE TABLE report_project_progress (
    report_id                 BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position                  INTEGER NOT NULL,
    project_id                BIGINT NOT NULL REFERENCES projects (id),
    disbursed_in_period_vnd   BIGINT,
    cumulative_disbursed_vnd  BIGINT,
    stage                     TEXT,
    note                      TEXT,
    PRIMARY KEY (report_id, position)
);
CREATE INDEX report_project_progress_project ON report_project_progress (project_id);

CREATE TABLE report_budget_execution (
    report_id           BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,
    budget_line_id      BIGINT NOT NULL REFERENCES budget_lines (id),
    spent_in_period_vnd BIGINT,
    note                TEXT,
    PRIMARY KEY (report_id, position)
);
CREATE INDEX report_budget_execution_line ON report_budget_execution (budget_line_id);

-- One row per submission and per coordinator action; never updated. Ordered by id (SQLite
-- keeps whole seconds, so times can tie).
CREATE TABLE report_versions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id       BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    action          TEXT NOT NULL,
    from_status     TEXT NOT NULL,
    to_status       TEXT NOT NULL,
    actor           TEXT NOT NULL,
    reason          TEXT,
    snapshot_json   TEXT NOT NULL,
    occurred_at     TIMESTAMP NOT NULL
);
CREATE INDEX report_versions_report ON report_versions (report_id, id);
