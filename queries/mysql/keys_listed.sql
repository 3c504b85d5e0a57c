-- MariaDB: the keys that can carry a finding (the UNION of the keys_*.sql queries of
-- the classes being checked), each once, read before their rows, as SQL literals in
-- the key columns' own character sets (`_charset X'hex'` of the value's bytes;
-- numbers as `_binary` strings of their digits, which compare as numbers). The query of the rows then names them in a
-- list (interesting.sql): MariaDB computes a CTE once for each reference, and the
-- rows' query references it twice. A literal, unlike a column, never imposes its
-- collation: the keys compare with the tables' key columns as the CTE's did.
WITH {touched_cte}interesting AS (
{keys}
)
SELECT DISTINCT {k_literal} FROM interesting
