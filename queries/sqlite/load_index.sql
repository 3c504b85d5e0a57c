-- Built after the rows are in: one sort instead of a b-tree insert per row.
-- Index names share one namespace per database, hence {results_index} derived from
-- the table name.
CREATE INDEX {results_index} ON {results} ({index_columns})
