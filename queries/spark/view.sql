-- A temporary view of the session: the tables as the pre-filters read them, the
-- keys touched in a window, the keys whose rows are read.
CREATE OR REPLACE TEMPORARY VIEW {view} AS
{query}
