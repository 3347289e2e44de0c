ALTER TABLE sub_goals DROP COLUMN last_forecast_reason;
ALTER TABLE sub_goals DROP COLUMN last_forecast_year;
ALTER TABLE sub_goals DROP COLUMN last_forecast_outlook;
ALTER TABLE progress_updates DROP COLUMN forecast_reason;
ALTER TABLE progress_updates DROP COLUMN forecast_year;
ALTER TABLE progress_updates DROP COLUMN forecast_outlook;
