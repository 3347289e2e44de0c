-- Indexes the measure detail and import need once a database holds many plans.
CREATE INDEX comments_measure ON comments (measure_id);
CREATE INDEX comments_theme ON comments (theme_id);
CREATE INDEX sub_goals_measure ON sub_goals (measure_id, position);
CREATE INDEX measures_theme ON measures (theme_id);
