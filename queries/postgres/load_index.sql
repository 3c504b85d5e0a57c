-- Built after the rows are in: one sort instead of a b-tree insert per row.
-- Unnamed: PostgreSQL picks a name that does not collide within the schema.
CREATE INDEX ON {results} ({index_columns})
