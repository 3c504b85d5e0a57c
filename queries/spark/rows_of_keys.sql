-- Every row of a table whose key is one of the keys sent (a semi-join: Spark
-- broadcasts the few keys rather than shuffling the table).
SELECT {columns} FROM {table} t LEFT SEMI JOIN {keys} k ON {match}
