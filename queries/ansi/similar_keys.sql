-- Keys of the results that begin as a key no row has (the value of their last
-- column beginning with the prefix bound, `!` escaping LIKE's wildcards), for the
-- error that names that key: a few, in order.
SELECT {k_text} FROM (
  SELECT DISTINCT {r_key_as} FROM {results} r
  WHERE {r_key_not_null} AND {r_last_text} LIKE {prefix} ESCAPE '!'
) s
ORDER BY 1
LIMIT {limit}
