-- The tables `dupaudit load` creates, in the shape asked for (the sample's own by
-- default). {results} and {log} are identifiers quoted by sql::quote_ident;
-- {results_columns} and {log_columns} are the columns, each a quoted name and a type
-- the loader picks for the shape, then the primary key. Text keys are VARCHAR(191),
-- the longest utf8mb4 column an index can hold whole on older InnoDB, in the
-- server's default utf8mb4 collation, as a pipeline's own tables would have them.
CREATE TABLE {results} ({results_columns}) CHARACTER SET utf8mb4;
CREATE TABLE {log} ({log_columns}) CHARACTER SET utf8mb4
