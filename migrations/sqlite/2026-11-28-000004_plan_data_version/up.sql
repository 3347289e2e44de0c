-- A plan's data version: bumped by triggers whenever anything shown in the plan's measures,
-- sub-goals, comments, owners or revision history changes, by any writer (this server, another
-- instance, the CLI, a hand-written UPDATE). The API's response cache and ETags compare it.
-- progress_updates is not watched: an update always changes its sub-goal row as well.
ALTER TABLE plans ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER plans_dv_self AFTER UPDATE OF slug, municipality, title, baseline_year, source ON plans
BEGIN UPDATE plans SET data_version = data_version + 1 WHERE id = NEW.id; END;

CREATE TRIGGER themes_dv_ins AFTER INSERT ON themes
BEGIN UPDATE plans SET data_version = data_version + 1 WHERE id = NEW.plan_id; END;
CREATE TRIGGER themes_dv_upd AFTER UPDATE ON themes
BEGIN UPDATE plans SET data_version = data_version + 1 WHERE id IN (OLD.plan_id, NEW.plan_id); END;
CREATE TRIGGER themes_dv_del AFTER DELETE ON themes
BEGIN UPDATE plans SET data_version = data_version + 1 WHERE id = OLD.plan_id; END;

CREATE TRIGGER measures_dv_ins AFTER INSERT ON measures
BEGIN UPDATE plans SET data_version = data_version + 1 WHERE id = NEW.plan_id; END;
CREATE TRIGGER measures_dv_upd AFTER UPDATE ON measures
BEGIN UPDATE plans SET data_version = data_version + 1 WHERE id IN (OLD.plan_id, NEW.plan_id); END;
CREATE TRIGGER measures_dv_del AFTER DELETE ON measures
BEGIN UPDATE plans SET data_version = data_version + 1 WHERE id = OLD.plan_id; END;

CREATE TRIGGER comments_dv_ins AFTER INSERT ON comments
BEGIN UPDATE plans SET data_version = data_version + 1 WHERE id = NEW.plan_id; END;
CREATE TRIGGER comments_dv_upd AFTER UPDATE ON comments
BEGIN UPDATE plans SET data_version = data_version + 1 WHERE id IN (OLD.plan_id, NEW.plan_id); END;
CREATE TRIGGER comments_dv_del AFTER DELETE ON comments
BEGIN UPDATE plans SET data_version = data_version + 1 WHERE id = OLD.plan_id; END;

CREATE TRIGGER measure_owners_dv_ins AFTER INSERT ON measure_owners
BEGIN UPDATE plans SET data_version = data_version + 1
      WHERE id = (SELECT plan_id FROM measures WHERE id = NEW.measure_id); END;
CREATE TRIGGER measure_owners_dv_upd AFTER UPDATE ON measure_owners
BEGIN UPDATE plans SET data_version = data_version + 1
      WHERE id IN (SELECT plan_id FROM measures WHERE id IN (OLD.measure_id, NEW.measure_id)); END;
CREATE TRIGGER measure_owners_dv_del AFTER DELETE ON measure_owners
BEGIN UPDATE plans SET data_version = data_version + 1
      WHERE id = (SELECT plan_id FROM measures WHERE id = OLD.measure_id); END;

CREATE TRIGGER sub_goals_dv_ins AFTER INSERT ON sub_goals
BEGIN UPDATE plans SET data_version = data_version + 1
      WHERE id = (SELECT plan_id FROM measures WHERE id = NEW.measure_id); END;
CREATE TRIGGER sub_goals_dv_upd AFTER UPDATE ON sub_goals
BEGIN UPDATE plans SET data_version = data_version + 1
      WHERE id IN (SELECT plan_id FROM measures WHERE id IN (OLD.measure_id, NEW.measure_id)); END;
CREATE TRIGGER sub_goals_dv_del AFTER DELETE ON sub_goals
BEGIN UPDATE plans SET data_version = data_version + 1
      WHERE id = (SELECT plan_id FROM measures WHERE id = OLD.measure_id); END;

CREATE TRIGGER sub_goal_revisions_dv_ins AFTER INSERT ON sub_goal_revisions
BEGIN UPDATE plans SET data_version = data_version + 1
      WHERE id = (SELECT m.plan_id FROM sub_goals g JOIN measures m ON m.id = g.measure_id
                  WHERE g.id = NEW.sub_goal_id); END;
CREATE TRIGGER sub_goal_revisions_dv_upd AFTER UPDATE ON sub_goal_revisions
BEGIN UPDATE plans SET data_version = data_version + 1
      WHERE id IN (SELECT m.plan_id FROM sub_goals g JOIN measures m ON m.id = g.measure_id
                   WHERE g.id IN (OLD.sub_goal_id, NEW.sub_goal_id)); END;
CREATE TRIGGER sub_goal_revisions_dv_del AFTER DELETE ON sub_goal_revisions
BEGIN UPDATE plans SET data_version = data_version + 1
      WHERE id = (SELECT m.plan_id FROM sub_goals g JOIN measures m ON m.id = g.measure_id
                  WHERE g.id = OLD.sub_goal_id); END;

-- Owners are shared between plans: a renamed or removed owner changes every plan's views.
CREATE TRIGGER owners_dv_upd AFTER UPDATE ON owners
BEGIN UPDATE plans SET data_version = data_version + 1; END;
CREATE TRIGGER owners_dv_del AFTER DELETE ON owners
BEGIN UPDATE plans SET data_version = data_version + 1; END;
