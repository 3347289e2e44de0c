DROP TABLE assessment_options;
DROP TABLE climate_assessments;
DROP TABLE shadow_prices;
DROP TABLE climate_targets;
DROP TABLE emission_values;
DROP TABLE emission_releases;
DROP TABLE effect_revisions;
