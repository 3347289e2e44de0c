-- The climate effect of a plan (issue #19; rules in domain::climate).
--
-- A measure's (or a sub-goal's) expected effect, cost and staffing. Append-only: every change
-- is a new row with its reason, so the rows are the revision history and the newest row per
-- (measure, sub-goal) is what holds. No row: the effect is "ikke opgjort".
CREATE TABLE effect_revisions (
    id SERIAL PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    measure_id INTEGER NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    sub_goal_id INTEGER REFERENCES sub_goals(id) ON DELETE CASCADE,
    tonnes_per_year DOUBLE PRECISION,
    full_from INTEGER,
    basis TEXT,
    basis_source TEXT,
    budget_dkk DOUBLE PRECISION,
    funding TEXT,
    staffing_fte DOUBLE PRECISION,
    reason TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX effect_revisions_measure ON effect_revisions (measure_id, id);
CREATE INDEX effect_revisions_plan ON effect_revisions (plan_id, id);

-- An emissions inventory as one data release gave it. A release that revises earlier years is
-- another release, stored beside the old one; importing a release again replaces its values.
CREATE TABLE emission_releases (
    id SERIAL PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    UNIQUE (plan_id, name)
);
-- t CO2e of a sector in a year; `value` and `unit` as the file gave them.
CREATE TABLE emission_values (
    release_id INTEGER NOT NULL REFERENCES emission_releases(id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    sector TEXT NOT NULL,
    tonnes DOUBLE PRECISION NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    unit TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (release_id, year, sector)
);

-- A reduction target: reduction_pct % less than in base_year by year, with its decision.
CREATE TABLE climate_targets (
    id SERIAL PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    base_year INTEGER NOT NULL,
    reduction_pct DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL,
    decided_on DATE,
    set_by TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL,
    UNIQUE (plan_id, year)
);

-- The CO2e shadow price (DKK per t) a plan values effects at, per year, with its source.
CREATE TABLE shadow_prices (
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    dkk_per_tonne DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, year)
);

-- A climate assessment of a committee case, evidence of progress for the sub-goal it names
-- (1.1 of the Ballerup plan). The shadow price of the meeting's year is kept as it was when
-- the assessment was made: a later price does not rewrite what the committee was shown.
CREATE TABLE climate_assessments (
    id SERIAL PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    sub_goal_id INTEGER REFERENCES sub_goals(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    committee TEXT NOT NULL,
    meeting_date DATE NOT NULL,
    case_ref TEXT,
    note TEXT,
    price_dkk_per_tonne DOUBLE PRECISION,
    price_year INTEGER,
    created_by TEXT NOT NULL,
    person_id INTEGER REFERENCES persons(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX climate_assessments_plan ON climate_assessments (plan_id, meeting_date);
CREATE TABLE assessment_options (
    assessment_id INTEGER NOT NULL REFERENCES climate_assessments(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    tonnes DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (assessment_id, position)
);

CREATE TRIGGER effect_revisions_dv AFTER INSERT OR UPDATE OR DELETE
  ON effect_revisions FOR EACH ROW EXECUTE FUNCTION klimaspor_dv_by_plan();
CREATE TRIGGER effect_revisions_append_only BEFORE UPDATE ON effect_revisions
  FOR EACH ROW EXECUTE FUNCTION klimaspor_append_only();
CREATE TRIGGER emission_releases_dv AFTER INSERT OR UPDATE OR DELETE
  ON emission_releases FOR EACH ROW EXECUTE FUNCTION klimaspor_dv_by_plan();
CREATE TRIGGER climate_targets_dv AFTER INSERT OR UPDATE OR DELETE
  ON climate_targets FOR EACH ROW EXECUTE FUNCTION klimaspor_dv_by_plan();
CREATE TRIGGER shadow_prices_dv AFTER INSERT OR UPDATE OR DELETE
  ON shadow_prices FOR EACH ROW EXECUTE FUNCTION klimaspor_dv_by_plan();
CREATE TRIGGER climate_assessments_dv AFTER INSERT OR UPDATE OR DELETE
  ON climate_assessments FOR EACH ROW EXECUTE FUNCTION klimaspor_dv_by_plan();
CREATE TRIGGER climate_assessments_append_only BEFORE UPDATE ON climate_assessments
  FOR EACH ROW EXECUTE FUNCTION klimaspor_append_only();
