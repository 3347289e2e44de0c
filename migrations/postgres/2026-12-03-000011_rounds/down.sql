DROP INDEX progress_updates_recorded;
DROP TABLE round_extensions;
DROP TABLE confirmations;
