-- Deletes the rows just copied into quarantine, named exactly as there: by key and
-- by primary key, each compared in its column's own type (a MySQL primary key is
-- unique under its own collation, so it names one row).
DELETE FROM {results}
WHERE ({t_key}) IN ({keys}) AND ({t_pk}) IN ({pks})
