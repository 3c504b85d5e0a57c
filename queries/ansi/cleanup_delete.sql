-- Deletes the rows just copied into quarantine, named exactly as there.
DELETE FROM {results}
WHERE ({t_key}) IN ({keys}) AND ({t_pk_text}) IN ({pks})
