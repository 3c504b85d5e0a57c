-- The primary key and fingerprint of every row of a batch's keys, by group, to
-- compare with the plan: SHA-256 of the row in PostgreSQL's binary form
-- (postgres-row-sha256, as in cleanup_rows.sql), sent as 32 bytes beside the group's
-- number (its position in the plan) and the primary key as text, not the key. {lock}
-- locks the rows (FOR UPDATE OF r). The groups and each key column come as one
-- bound array each.
SELECT k.g, sha256(record_send(ROW(r.*))), {r_pk_text}
FROM unnest({key_arrays}) AS k (g, {k_columns})
JOIN {results} r ON {k_match} {lock}
