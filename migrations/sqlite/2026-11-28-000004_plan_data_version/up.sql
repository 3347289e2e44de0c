-- A plan's data version: bumped by triggers whenever anything shown in the plan's measures,
-- sub-goals, comments, owners or revision history changes, by any writer (this server, another
-- instance, the CLI, a hand-written UPDATE). The API's response cache and ETags compare it.
-- progress_updates is not watched: an update always changes its sub-goal row as well.
--
-- The version is the sum of a plan's rows in plan_versions, which only ever grow. Writers bump
-- the row of their own stripe (PostgreSQL: by backend process, so concurrent transactions do
-- not queue on one row lock through their commits; SQLite has one writer and one stripe).
CREATE TABLE plan_versions (
    plan_id INTEGER NOT NULL,
    stripe INTEGER NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (plan_id, stripe)
);

CREATE TRIGGER plans_dv_self AFTER UPDATE OF slug, municipality, title, baseline_year, source ON plans
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT NEW.id, 0, 1 WHERE NEW.id IS NOT NULL ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER themes_dv_ins AFTER INSERT ON themes
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT NEW.plan_id, 0, 1 WHERE NEW.plan_id IS NOT NULL ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER themes_dv_upd AFTER UPDATE ON themes
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT OLD.plan_id, 0, 1 WHERE OLD.plan_id IS NOT NULL ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1;
      INSERT INTO plan_versions (plan_id, stripe, version) SELECT NEW.plan_id, 0, 1 WHERE NEW.plan_id IS NOT NULL ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER themes_dv_del AFTER DELETE ON themes
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT OLD.plan_id, 0, 1 WHERE OLD.plan_id IS NOT NULL ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER measures_dv_ins AFTER INSERT ON measures
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT NEW.plan_id, 0, 1 WHERE NEW.plan_id IS NOT NULL ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER measures_dv_upd AFTER UPDATE ON measures
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT OLD.plan_id, 0, 1 WHERE OLD.plan_id IS NOT NULL ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1;
      INSERT INTO plan_versions (plan_id, stripe, version) SELECT NEW.plan_id, 0, 1 WHERE NEW.plan_id IS NOT NULL ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER measures_dv_del AFTER DELETE ON measures
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT OLD.plan_id, 0, 1 WHERE OLD.plan_id IS NOT NULL ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER comments_dv_ins AFTER INSERT ON comments
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT NEW.plan_id, 0, 1 WHERE NEW.plan_id IS NOT NULL ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER comments_dv_upd AFTER UPDATE ON comments
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT OLD.plan_id, 0, 1 WHERE OLD.plan_id IS NOT NULL ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1;
      INSERT INTO plan_versions (plan_id, stripe, version) SELECT NEW.plan_id, 0, 1 WHERE NEW.plan_id IS NOT NULL ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER comments_dv_del AFTER DELETE ON comments
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT OLD.plan_id, 0, 1 WHERE OLD.plan_id IS NOT NULL ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER measure_owners_dv_ins AFTER INSERT ON measure_owners
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT plan_id, 0, 1 FROM measures WHERE id = NEW.measure_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER measure_owners_dv_upd AFTER UPDATE ON measure_owners
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT plan_id, 0, 1 FROM measures WHERE id = OLD.measure_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1;
      INSERT INTO plan_versions (plan_id, stripe, version) SELECT plan_id, 0, 1 FROM measures WHERE id = NEW.measure_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER measure_owners_dv_del AFTER DELETE ON measure_owners
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT plan_id, 0, 1 FROM measures WHERE id = OLD.measure_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER sub_goals_dv_ins AFTER INSERT ON sub_goals
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT plan_id, 0, 1 FROM measures WHERE id = NEW.measure_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER sub_goals_dv_upd AFTER UPDATE ON sub_goals
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT plan_id, 0, 1 FROM measures WHERE id = OLD.measure_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1;
      INSERT INTO plan_versions (plan_id, stripe, version) SELECT plan_id, 0, 1 FROM measures WHERE id = NEW.measure_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER sub_goals_dv_del AFTER DELETE ON sub_goals
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT plan_id, 0, 1 FROM measures WHERE id = OLD.measure_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER sub_goal_revisions_dv_ins AFTER INSERT ON sub_goal_revisions
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT m.plan_id, 0, 1 FROM sub_goals g JOIN measures m ON m.id = g.measure_id WHERE g.id = NEW.sub_goal_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER sub_goal_revisions_dv_upd AFTER UPDATE ON sub_goal_revisions
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT m.plan_id, 0, 1 FROM sub_goals g JOIN measures m ON m.id = g.measure_id WHERE g.id = OLD.sub_goal_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1;
      INSERT INTO plan_versions (plan_id, stripe, version) SELECT m.plan_id, 0, 1 FROM sub_goals g JOIN measures m ON m.id = g.measure_id WHERE g.id = NEW.sub_goal_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER sub_goal_revisions_dv_del AFTER DELETE ON sub_goal_revisions
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT m.plan_id, 0, 1 FROM sub_goals g JOIN measures m ON m.id = g.measure_id WHERE g.id = OLD.sub_goal_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;

-- Owners are shared between plans: a renamed or removed owner changes every plan's views.
CREATE TRIGGER owners_dv_upd AFTER UPDATE ON owners
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT id, 0, 1 FROM plans WHERE true ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER owners_dv_del AFTER DELETE ON owners
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT id, 0, 1 FROM plans WHERE true ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
