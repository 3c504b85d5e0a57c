-- The keys touched in a time window: a result row written in it, or a log row
-- created or updated in it. A scan limited to the window audits every row of these
-- keys, whenever written, so today's late write of last week's result is caught.
SELECT {r_key_as} FROM {results} r WHERE {r_key_not_null} AND {r_in_window}
UNION
SELECT {l_key_as} FROM {log} l WHERE {l_key_not_null} AND ({l_created_in_window} {l_updated_in_window})
