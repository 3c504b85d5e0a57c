-- A table's columns the spec names, renamed r0.. (results) or l0.. (log), the key,
-- attempt and status as text, nested values as their JSON.
SELECT {columns} FROM {source}
