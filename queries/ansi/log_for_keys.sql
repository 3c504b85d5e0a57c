-- The log rows of a batch of keys (keys of cross-key copies not already read).
SELECT {l_columns}
FROM {log} l
WHERE ({l_key}) IN ({key_list})
