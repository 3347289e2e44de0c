-- A sub-goal's update bumped its plan's version twice (for the old and for the new measure's
-- plan), and every UPDATE of sub_goals carried both in its compiled program. Progress updates
-- are the hot write: bump once, and only when the sub-goal moves to another measure (its
-- measure_id is set, and changed) bump the new one as well.
DROP TRIGGER sub_goals_dv_upd;
CREATE TRIGGER sub_goals_dv_upd AFTER UPDATE ON sub_goals
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT plan_id, 0, 1 FROM measures WHERE id = OLD.measure_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER sub_goals_dv_move AFTER UPDATE OF measure_id ON sub_goals WHEN NEW.measure_id IS NOT OLD.measure_id
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT plan_id, 0, 1 FROM measures WHERE id = NEW.measure_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
