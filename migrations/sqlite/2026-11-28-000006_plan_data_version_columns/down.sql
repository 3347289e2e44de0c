DROP TRIGGER sub_goals_dv_move;
DROP TRIGGER sub_goals_dv_upd;
CREATE TRIGGER sub_goals_dv_upd AFTER UPDATE ON sub_goals
BEGIN INSERT INTO plan_versions (plan_id, stripe, version) SELECT plan_id, 0, 1 FROM measures WHERE id = OLD.measure_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1;
      INSERT INTO plan_versions (plan_id, stripe, version) SELECT plan_id, 0, 1 FROM measures WHERE id = NEW.measure_id ON CONFLICT (plan_id, stripe) DO UPDATE SET version = version + 1; END;
