DROP TABLE answers;
DROP TABLE questions;
DROP FUNCTION klimaspor_append_only();
