-- Built after the rows are in: one sort instead of a b-tree insert per row.
-- Index names are per table in MySQL, so a fixed name never collides.
CREATE INDEX results_key ON {results} ({index_columns})
