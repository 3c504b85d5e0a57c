-- Every row of one table, projected onto the spec's columns, each cast to text so that
-- every source hands the scan the same representation.
-- {columns} and {table} are identifiers quoted by sql::quote_ident.
SELECT {columns}
FROM {table}
