-- Every row of a batch of keys, every column as text (PostgreSQL: the keys come as
-- one text array per key column, so a batch of any size is one statement and the
-- key's index is probed once per key). `apply` locks them with FOR UPDATE.
SELECT {all_columns} FROM {results} r
WHERE ({r_key}) IN (SELECT * FROM unnest({key_arrays})) {lock}
