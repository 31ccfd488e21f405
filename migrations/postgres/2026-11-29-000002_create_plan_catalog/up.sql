-- The plan catalog: plans and what they plan. Money is BIGINT VND; booleans are INTEGER 0/1
-- (diesel's MultiConnection has no Bool); lists are child tables so later issues can query them.
CREATE TABLE plans (
    id                       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                     TEXT NOT NULL UNIQUE,
    number                   TEXT,
    title                    TEXT NOT NULL,
    title_folded             TEXT NOT NULL,
    kind                     TEXT NOT NULL CHECK (kind IN ('annual', 'sectoral', 'multi_year')),
    issued_date              DATE,
    issuer_unit              TEXT REFERENCES units (code),
    signer                   TEXT,
    signer_title             TEXT,
    first_year               INTEGER NOT NULL,
    last_year                INTEGER NOT NULL,
    status                   TEXT NOT NULL CHECK (status IN ('draft', 'issued', 'superseded')),
    focal_unit               TEXT REFERENCES units (code),
    general_goals            TEXT,
    report_due_date          DATE,
    declared_total_vnd       BIGINT,
    declared_investment_vnd  BIGINT,
    declared_recurrent_vnd   BIGINT,
    declared_central_vnd     BIGINT,
    declared_local_vnd       BIGINT,
    declared_totals_text     TEXT,
    source                   TEXT,
    version                  BIGINT NOT NULL DEFAULT 1,
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL,
    CHECK (first_year <= last_year)
);

CREATE TABLE plan_legal_bases (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id   BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    doc_type  TEXT,
    number    TEXT,
    issued_on DATE,
    title     TEXT,
    citation  TEXT NOT NULL,
    UNIQUE (plan_id, position)
);

-- The TỔNG CỘNG rows of a plan's tables, as printed (they do not always add up).
CREATE TABLE plan_declared_totals (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id      BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    column_name  TEXT NOT NULL,
    amount_vnd   BIGINT NOT NULL,
    printed_text TEXT,
    source       TEXT,
    UNIQUE (plan_id, column_name)
);

CREATE TABLE indicators (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id               BIGINT NOT NULL REFERENCES plans (id),
    code                  TEXT NOT NULL,
    name                  TEXT NOT NULL,
    name_folded           TEXT NOT NULL,
    pillar                TEXT NOT NULL CHECK (pillar IN ('nhan_thuc_so', 'the_che_so', 'ha_tang_so', 'du_lieu_so', 'nen_tang_so', 'nhan_luc_so', 'an_toan_thong_tin', 'chinh_quyen_so', 'kinh_te_so', 'xa_hoi_so')),
    group_text            TEXT,
    measure               TEXT NOT NULL CHECK (measure IN ('percent', 'count', 'money', 'boolean', 'milestone')),
    direction             TEXT NOT NULL CHECK (direction IN ('at_least', 'at_most', 'exactly')),
    unit_of_measure       TEXT,
    allows_over_100       INTEGER NOT NULL DEFAULT 0 CHECK (allows_over_100 IN (0, 1)),
    lead_text             TEXT,
    coordinating_text     TEXT,
    evaluation_kind       TEXT CHECK (evaluation_kind IN ('end_of_year', 'month', 'each_quarter', 'continuous')),
    evaluation_year       INTEGER,
    evaluation_month      INTEGER,
    evaluation_time_text  TEXT,
    roll_up               TEXT NOT NULL CHECK (roll_up IN ('sum', 'mean', 'ratio_of_sums', 'min', 'max', 'all', 'any', 'latest')),
    source                TEXT,
    source_row            TEXT,
    version               BIGINT NOT NULL DEFAULT 1,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    UNIQUE (plan_id, code)
);
CREATE INDEX indicators_plan_pillar ON indicators (plan_id, pillar, code);

-- One target per indicator and year: the figure where there is one, the printed text always.
CREATE TABLE indicator_targets (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    indicator_id  BIGINT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    year          INTEGER NOT NULL,
    target_value  DOUBLE PRECISION,
    target_text   TEXT NOT NULL,
    UNIQUE (indicator_id, year)
);
CREATE INDEX indicator_targets_year ON indicator_targets (year, indicator_id);

CREATE TABLE tasks (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id            BIGINT NOT NULL REFERENCES plans (id),
    code               TEXT NOT NULL,
    content            TEXT NOT NULL,
    content_folded     TEXT NOT NULL,
    section            TEXT,
    category           TEXT,
    pillar             TEXT CHECK (pillar IN ('nhan_thuc_so', 'the_che_so', 'ha_tang_so', 'du_lieu_so', 'nen_tang_so', 'nhan_luc_so', 'an_toan_thong_tin', 'chinh_quyen_so', 'kinh_te_so', 'xa_hoi_so')),
    lead_text          TEXT,
    coordinating_text  TEXT,
    timing_kind        TEXT NOT NULL CHECK (timing_kind IN ('quarter', 'quarters', 'month', 'year', 'year_range', 'yearly', 'quarterly', 'continuous', 'conditional')),
    timing_year        INTEGER,
    timing_last_year   INTEGER,
    timing_part        INTEGER,
    timing_last_part   INTEGER,
    timing_text        TEXT,
    due_date           DATE,
    source             TEXT,
    source_row         TEXT,
    version            BIGINT NOT NULL DEFAULT 1,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    UNIQUE (plan_id, code)
);
CREATE INDEX tasks_plan_pillar ON tasks (plan_id, pillar, code);
CREATE INDEX tasks_due_date ON tasks (due_date);

CREATE TABLE projects (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id               BIGINT NOT NULL REFERENCES plans (id),
    code                  TEXT NOT NULL,
    name                  TEXT NOT NULL,
    name_folded           TEXT NOT NULL,
    investor_text         TEXT,
    start_year            INTEGER,
    end_year              INTEGER,
    period_text           TEXT,
    total_investment_vnd  BIGINT,
    central_vnd           BIGINT,
    local_vnd             BIGINT,
    other_vnd             BIGINT,
    disbursed_before_vnd  BIGINT,
    stage                 TEXT CHECK (stage IN ('preparation', 'implementation', 'settlement', 'completed')),
    stage_text            TEXT,
    decision_ref          TEXT,
    funding_note          TEXT,
    carried_over          INTEGER CHECK (carried_over IN (0, 1)),
    same_as               TEXT,
    source                TEXT,
    source_row            TEXT,
    version               BIGINT NOT NULL DEFAULT 1,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    UNIQUE (plan_id, code)
);

-- Capital per project and year: allocated (split by source where printed) and executed.
CREATE TABLE project_allocations (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id             BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    year                   INTEGER NOT NULL,
    allocated_vnd          BIGINT,
    allocated_central_vnd  BIGINT,
    allocated_local_vnd    BIGINT,
    allocated_other_vnd    BIGINT,
    implemented_vnd        BIGINT,
    UNIQUE (project_id, year)
);

CREATE TABLE budget_lines (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id            BIGINT NOT NULL REFERENCES plans (id),
    code               TEXT NOT NULL,
    name               TEXT NOT NULL,
    name_folded        TEXT NOT NULL,
    implementing_text  TEXT,
    amount_vnd         BIGINT,
    budget_category    TEXT,
    funding_note       TEXT,
    start_year         INTEGER,
    end_year           INTEGER,
    period_text        TEXT,
    status_text        TEXT,
    decision_ref       TEXT,
    source             TEXT,
    source_row         TEXT,
    version            BIGINT NOT NULL DEFAULT 1,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    UNIQUE (plan_id, code)
);

-- Which units (or whole kinds of unit) lead, coordinate, report, invest in, implement or are
-- named by a catalog item. One table for the four item kinds so that "everything this unit is
-- responsible for" (the report template of issue 5) is one indexed query; the item side has
-- no foreign key, so the repository deletes an item's rows with the item.
CREATE TABLE catalog_unit_roles (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id    BIGINT NOT NULL REFERENCES plans (id),
    item_kind  TEXT NOT NULL CHECK (item_kind IN ('indicator', 'task', 'project', 'budget_line')),
    item_id    BIGINT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('lead', 'coordinating', 'reporting', 'investor', 'implementing', 'related')),
    position   INTEGER NOT NULL,
    unit_code  TEXT REFERENCES units (code),
    unit_kind  TEXT CHECK (unit_kind IN ('province', 'department', 'commune', 'district')),
    CHECK ((unit_code IS NULL AND unit_kind IS NOT NULL) OR (unit_code IS NOT NULL AND unit_kind IS NULL))
);
CREATE INDEX catalog_unit_roles_item ON catalog_unit_roles (item_kind, item_id);
CREATE INDEX catalog_unit_roles_unit ON catalog_unit_roles (unit_code, role, item_kind);
CREATE INDEX catalog_unit_roles_kind ON catalog_unit_roles (unit_kind, role, item_kind);
