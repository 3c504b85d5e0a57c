-- The rows of a batch of keys, each with its fingerprint: SHA-256 of the row in
-- PostgreSQL's binary form (record_send: for every column its type and its value as
-- the binary protocol sends it), the plan's fingerprint scheme `postgres-row-sha256`.
-- The binary form does not depend on session settings (time zone, date style, float
-- digits) and is cheaper to produce than text. `plan` reads every column as text
-- beside it, to check the payloads against the scan and choose keepers; `apply`
-- reads only the primary key and the key, and locks the rows (FOR UPDATE OF r). The
-- keys come as one text array per key column, so a batch of any size is one
-- statement; they are joined, not matched with IN, because a plan names each key
-- once, which spares the server de-duplicating them before it probes the key's
-- index once per key.
SELECT {read}, encode(sha256(record_send(ROW(r.*))), 'hex')
FROM unnest({key_arrays}) AS k ({k_columns})
JOIN {results} r ON {k_match} {lock}
