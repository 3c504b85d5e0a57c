-- The tables `dupaudit load` and `dupaudit generate` create, in the shape asked for
-- (the sample's own by default). {results} and {log} are identifiers quoted by
-- sql::quote_ident; {results_columns} and {log_columns} are the columns, each a
-- quoted name and a type the loader picks for the shape, then the primary key.
CREATE TABLE {results} ({results_columns});
CREATE TABLE {log} ({log_columns})
