DROP TABLE plan_reporting_rules;
