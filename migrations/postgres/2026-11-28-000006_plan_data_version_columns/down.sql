-- Back to migration 4's generic trigger function.
DROP TRIGGER plans_dv_self ON plans;
DROP TRIGGER themes_dv ON themes;
DROP TRIGGER measures_dv ON measures;
DROP TRIGGER comments_dv ON comments;
DROP TRIGGER measure_owners_dv ON measure_owners;
DROP TRIGGER sub_goals_dv ON sub_goals;
DROP TRIGGER sub_goal_revisions_dv ON sub_goal_revisions;
DROP TRIGGER owners_dv ON owners;
DROP FUNCTION klimaspor_dv_by_plan();
DROP FUNCTION klimaspor_dv_by_measure();
DROP FUNCTION klimaspor_dv_by_sub_goal();
DROP FUNCTION klimaspor_dv_plan_self();
DROP FUNCTION klimaspor_dv_all_plans();

CREATE OR REPLACE FUNCTION klimaspor_bump_plan(plan INTEGER) RETURNS void AS $$
  INSERT INTO plan_versions (plan_id, stripe, version)
  SELECT plan, pg_backend_pid() % 32, 1 WHERE plan IS NOT NULL
  ON CONFLICT (plan_id, stripe) DO UPDATE SET version = plan_versions.version + 1
$$ LANGUAGE sql;

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
DECLARE
  old_plan INTEGER;
  new_plan INTEGER;
BEGIN
  -- Owners are shared between plans: a renamed or removed owner changes every plan's views.
  IF TG_TABLE_NAME = 'owners' THEN
    PERFORM klimaspor_bump_plan(id) FROM plans;
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    old_plan := klimaspor_plan_of(TG_TABLE_NAME, to_jsonb(OLD));
    PERFORM klimaspor_bump_plan(old_plan);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    new_plan := klimaspor_plan_of(TG_TABLE_NAME, to_jsonb(NEW));
    IF new_plan IS DISTINCT FROM old_plan THEN
      PERFORM klimaspor_bump_plan(new_plan);
    END IF;
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
