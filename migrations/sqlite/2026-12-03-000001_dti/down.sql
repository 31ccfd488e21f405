DROP TABLE dti_criterion_scores;
DROP TABLE dti_assessments;
DROP TABLE dti_frameworks;
