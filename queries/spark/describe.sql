-- The columns of a table registered in the session, and their Spark types.
DESCRIBE {view}
