-- DTI scoring. A framework (pillars, criteria, rules) is stored as JSON per year and kind of
-- unit: it is read and written whole and never queried inside. A unit's self-assessment and
-- the coordinator's verification are stored as JSON too; the points they give each criterion
-- are written beside them in dti_criterion_scores, so that scores and ranks of a year are one
-- grouped query. Criteria scored from reports (report_fact) are not stored: they are computed
-- from the reports as they stand when read.
CREATE TABLE dti_frameworks (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    year             INTEGER NOT NULL,
    unit_kind        TEXT NOT NULL CHECK (unit_kind IN ('department', 'commune')),
    version          BIGINT NOT NULL DEFAULT 1,
    title            TEXT NOT NULL,
    max_points       DOUBLE PRECISION NOT NULL,
    definition_json  TEXT NOT NULL,
    updated_by       TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (year, unit_kind)
);

CREATE TABLE dti_assessments (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_code          TEXT NOT NULL REFERENCES units (code),
    year               INTEGER NOT NULL,
    unit_kind          TEXT NOT NULL,
    framework_id       BIGINT NOT NULL REFERENCES dti_frameworks (id),
    status             TEXT NOT NULL CHECK (status IN ('self_assessed', 'verified')),
    version            BIGINT NOT NULL DEFAULT 1,
    answers_json       TEXT NOT NULL,
    verification_json  TEXT,
    self_assessed_by   TEXT NOT NULL,
    self_assessed_at   TIMESTAMP NOT NULL,
    verified_by        TEXT,
    verified_at        TIMESTAMP,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    UNIQUE (unit_code, year)
);
CREATE INDEX dti_assessments_year_kind ON dti_assessments (year, unit_kind);

CREATE TABLE dti_criterion_scores (
    assessment_id    BIGINT NOT NULL REFERENCES dti_assessments (id) ON DELETE CASCADE,
    criterion_code   TEXT NOT NULL,
    unit_code        TEXT NOT NULL,
    year             INTEGER NOT NULL,
    unit_kind        TEXT NOT NULL,
    pillar_code      TEXT NOT NULL,
    self_points      DOUBLE PRECISION NOT NULL,
    verified_points  DOUBLE PRECISION,
    PRIMARY KEY (assessment_id, criterion_code)
);
CREATE INDEX dti_criterion_scores_year_kind ON dti_criterion_scores (year, unit_kind, unit_code, pillar_code);
