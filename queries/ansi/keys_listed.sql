-- The keys that can carry a finding, each once, read before their rows as SQL
-- literals ({k_literal}); the query of the rows then names them in a list
-- (interesting.sql).
--   MariaDB: {keys} is the UNION of the keys_*.sql queries of the classes being
--   checked. It computes a CTE once for each reference, and the rows' query
--   references it twice. Each literal is in the key column's own character set
--   (`_charset X'hex'` of the value's bytes; numbers as `_binary` strings of their
--   digits, which compare as numbers): a literal, unlike a column, never imposes its
--   collation, so the keys compare with the tables' key columns as the CTE's did.
--   SQLite: {keys} is one keys_*.sql query, each read on a connection of its own at
--   the same time; SQLite's quote() writes each key as the literal of its own value
--   and type.
WITH {touched_cte}interesting AS (
{keys}
)
SELECT DISTINCT {k_literal} FROM interesting
