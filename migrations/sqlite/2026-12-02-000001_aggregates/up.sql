-- Aggregates: where the coordinator's official assessments live, the provincial budget the DX
-- spending share is measured against, and the indexes the aggregate queries need.

-- The official assessment of an indicator for a year (the coordinator's judgement, recorded
-- through PUT /plans/{plan}/indicators/{indicator}/assessments/{year}), kept beside the
-- suggested one the hub computes. One per indicator and year; the demo loader seeds 2023 from
-- the assessments printed in 52/KH-UBND Phụ lục I.
CREATE TABLE indicator_assessments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id       BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    indicator_id  BIGINT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    year          INTEGER NOT NULL,
    assessment    TEXT NOT NULL CHECK (assessment IN ('exceeded', 'met', 'not_met')),
    note          TEXT,
    recorded_by   TEXT NOT NULL,
    recorded_at   TIMESTAMP NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1,
    UNIQUE (indicator_id, year)
);
CREATE INDEX indicator_assessments_plan_year ON indicator_assessments (plan_id, year);

-- The province's total budget per year (dự toán chi ngân sách tỉnh), the denominator of the
-- DX spending share. Configuration, not catalog: one row per year.
CREATE TABLE provincial_budgets (
    year         INTEGER PRIMARY KEY,
    amount_vnd   BIGINT NOT NULL CHECK (amount_vnd > 0),
    source_text  TEXT
);

-- Roll-up of one indicator over one period: from the indicator's values to their reports.
CREATE INDEX report_indicator_values_indicator_report ON report_indicator_values (indicator_id, report_id);
-- Task and project aggregates read the latest progress per item.
CREATE INDEX report_task_progress_task_report ON report_task_progress (task_id, report_id);
CREATE INDEX report_project_progress_project_report ON report_project_progress (project_id, report_id);
CREATE INDEX report_budget_execution_line_report ON report_budget_execution (budget_line_id, report_id);
