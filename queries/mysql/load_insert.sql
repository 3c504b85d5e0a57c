-- {rows} is one tuple of placeholders per row of the batch.
INSERT INTO {table} ({columns}) VALUES {rows}
