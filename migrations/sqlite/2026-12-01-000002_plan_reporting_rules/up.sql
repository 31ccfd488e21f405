-- A plan's own reporting rules: its schedule of data windows and deadlines per kind of period
-- (JSON of the domain's ReportingSchedule) and the outlier factor of its reports' checks.
-- A plan without a row reports on the defaults (NĐ 09/2019 windows, DOMAIN.md deadlines).
CREATE TABLE plan_reporting_rules (
    plan_id         INTEGER PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
    schedule_json   TEXT NOT NULL,
    outlier_factor  DOUBLE PRECISION NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    updated_by      TEXT NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
