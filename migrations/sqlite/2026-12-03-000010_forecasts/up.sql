-- An owner's forecast with each progress update: will the sub-goal's target be reached by its
-- deadline (yes / uncertain / no), the year it is expected, and why. The sub-goal keeps that of
-- its newest update, as it keeps the newest note.
ALTER TABLE progress_updates ADD COLUMN forecast_outlook TEXT
    CHECK (forecast_outlook IN ('yes', 'uncertain', 'no'));
ALTER TABLE progress_updates ADD COLUMN forecast_year INTEGER;
ALTER TABLE progress_updates ADD COLUMN forecast_reason TEXT;
ALTER TABLE sub_goals ADD COLUMN last_forecast_outlook TEXT
    CHECK (last_forecast_outlook IN ('yes', 'uncertain', 'no'));
ALTER TABLE sub_goals ADD COLUMN last_forecast_year INTEGER;
ALTER TABLE sub_goals ADD COLUMN last_forecast_reason TEXT;
