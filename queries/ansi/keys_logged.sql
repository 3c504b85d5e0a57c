-- late-write, orphan-result, missing-result, stale-processing: the keys that can carry
-- a finding of a class that joins the log to the results, from one full join of the
-- two tables on key and attempt (one pass over each). A joined row names its key
-- when it is
--   a result row whose attempt the log marks FAILED (late-write) or never saw
--   (orphan-result; a NULL attempt matches nothing, as in the rules),
--   a PROCESSING log row (stale-processing, whose lease the scan judges),
--   a COMPLETED log row without a result row of its attempt (missing-result, whose
--   rule then asks for no result row of the key at all).
-- It may name more keys than have findings (the scan decides); it never misses one.
SELECT {k_either}, NULL AS n, NULL AS first_row, NULL AS last_row
FROM (SELECT {r_key_as}{r_attempt_as}, 1 AS written FROM {results} r
      WHERE {r_key_not_null} {r_part} {r_touch}) rr
FULL JOIN (SELECT {l_key_as_j}{l_attempt_as}, l.{status} AS s, 1 AS logged FROM {log} l
      WHERE {l_key_not_null} {l_part} {l_touch}) ll
  ON {kj_match}
WHERE ll.s IN ({processing})
   OR (rr.written IS NULL AND ll.s IN ({completed}))
   OR (rr.written = 1 AND (ll.logged IS NULL OR ll.s IN ({failed})))
