-- The results point at the log's rows, as a schema with a foreign key does. Added
-- with the session's foreign_key_checks off: the incident has orphan rows, which a
-- checked key would refuse; the key is still in the catalog, where `init` reads it.
ALTER TABLE {results} ADD FOREIGN KEY ({columns}) REFERENCES {log} ({log_columns})
