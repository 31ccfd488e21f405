-- The official assessment a published report printed for an indicator value (Vượt, Đạt,
-- Chưa đạt), kept next to the value so that computed and official assessments can be
-- compared. Only loaded reports carry it; a save never sets it.
ALTER TABLE report_indicator_values
    ADD COLUMN official_assessment TEXT
    CHECK (official_assessment IN ('exceeded', 'met', 'not_met'));
