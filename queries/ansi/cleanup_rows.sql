-- Every row of a batch of keys, every column as text. `plan` reads them to
-- fingerprint each row; `apply` reads them again inside its transaction, locked
-- (FOR UPDATE, where the dialect has it), to compare them with the plan.
SELECT {all_columns} FROM {results} r WHERE ({r_key}) IN ({keys}) {lock}
