-- Deletes the rows just copied into quarantine, named exactly as there.
DELETE FROM {results} r
WHERE ({r_pk}) IN (SELECT * FROM unnest({pk_arrays}))
