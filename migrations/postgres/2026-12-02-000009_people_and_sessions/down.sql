DROP TABLE audit_log;
DROP TABLE oidc_flows;
DROP TABLE login_links;
DROP TABLE sessions;
DROP TABLE plan_roles;
DROP TABLE person_owners;
DROP TABLE persons;
ALTER TABLE api_tokens DROP COLUMN last_used_at;
ALTER TABLE api_tokens DROP COLUMN plan_id;
