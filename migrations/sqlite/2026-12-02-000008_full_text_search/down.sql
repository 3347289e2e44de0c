DROP TABLE search_index_versions;
DROP TABLE search_terms;
