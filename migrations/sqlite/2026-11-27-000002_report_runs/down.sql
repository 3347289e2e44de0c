DROP TABLE mail_outbox;
DROP TABLE report_runs;
