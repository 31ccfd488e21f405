DROP TABLE report_versions;
DROP TABLE report_budget_execution;
DROP TABLE report_project_progress;
DROP TABLE report_task_progress;
DROP TABLE report_indicator_values;
DROP TABLE reports;
