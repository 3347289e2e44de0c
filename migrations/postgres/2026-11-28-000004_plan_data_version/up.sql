-- A plan's data version: bumped by triggers whenever anything shown in the plan's measures,
-- sub-goals, comments, owners or revision history changes, by any writer (this server, another
-- instance, the CLI, a hand-written UPDATE). The API's response cache and ETags compare it.
-- progress_updates is not watched: an update always changes its sub-goal row as well.
ALTER TABLE plans ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0;

-- The plan a row of one of the watched tables belongs to.
CREATE FUNCTION klimaspor_plan_of(tbl TEXT, r JSONB) RETURNS INTEGER AS $$
  SELECT CASE tbl
    WHEN 'plans' THEN (r->>'id')::int
    WHEN 'themes' THEN (r->>'plan_id')::int
    WHEN 'measures' THEN (r->>'plan_id')::int
    WHEN 'comments' THEN (r->>'plan_id')::int
    WHEN 'measure_owners' THEN (SELECT plan_id FROM measures WHERE id = (r->>'measure_id')::int)
    WHEN 'sub_goals' THEN (SELECT plan_id FROM measures WHERE id = (r->>'measure_id')::int)
    WHEN 'sub_goal_revisions' THEN (SELECT m.plan_id FROM sub_goals g
                                    JOIN measures m ON m.id = g.measure_id
                                    WHERE g.id = (r->>'sub_goal_id')::int)
  END
$$ LANGUAGE sql STABLE;

CREATE FUNCTION klimaspor_plan_data_changed() RETURNS trigger AS $$
BEGIN
  -- Owners are shared between plans: a renamed or removed owner changes every plan's views.
  IF TG_TABLE_NAME = 'owners' THEN
    UPDATE plans SET data_version = data_version + 1;
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    UPDATE plans SET data_version = data_version + 1
      WHERE id = klimaspor_plan_of(TG_TABLE_NAME, to_jsonb(OLD));
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
      AND klimaspor_plan_of(TG_TABLE_NAME, to_jsonb(NEW))
          IS DISTINCT FROM klimaspor_plan_of(TG_TABLE_NAME, to_jsonb(OLD))) THEN
    UPDATE plans SET data_version = data_version + 1
      WHERE id = klimaspor_plan_of(TG_TABLE_NAME, to_jsonb(NEW));
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER plans_dv_self AFTER UPDATE OF slug, municipality, title, baseline_year, source
  ON plans FOR EACH ROW EXECUTE FUNCTION klimaspor_plan_data_changed();
CREATE TRIGGER themes_dv AFTER INSERT OR UPDATE OR DELETE
  ON themes FOR EACH ROW EXECUTE FUNCTION klimaspor_plan_data_changed();
CREATE TRIGGER measures_dv AFTER INSERT OR UPDATE OR DELETE
  ON measures FOR EACH ROW EXECUTE FUNCTION klimaspor_plan_data_changed();
CREATE TRIGGER comments_dv AFTER INSERT OR UPDATE OR DELETE
  ON comments FOR EACH ROW EXECUTE FUNCTION klimaspor_plan_data_changed();
CREATE TRIGGER measure_owners_dv AFTER INSERT OR UPDATE OR DELETE
  ON measure_owners FOR EACH ROW EXECUTE FUNCTION klimaspor_plan_data_changed();
CREATE TRIGGER sub_goals_dv AFTER INSERT OR UPDATE OR DELETE
  ON sub_goals FOR EACH ROW EXECUTE FUNCTION klimaspor_plan_data_changed();
CREATE TRIGGER sub_goal_revisions_dv AFTER INSERT OR UPDATE OR DELETE
  ON sub_goal_revisions FOR EACH ROW EXECUTE FUNCTION klimaspor_plan_data_changed();
CREATE TRIGGER owners_dv AFTER UPDATE OR DELETE
  ON owners FOR EACH STATEMENT EXECUTE FUNCTION klimaspor_plan_data_changed();
