-- One prepared statement, executed once per row.
INSERT INTO {table} ({columns}) VALUES {rows}
