DROP INDEX measures_theme;
DROP INDEX sub_goals_measure;
DROP INDEX comments_theme;
DROP INDEX comments_measure;
