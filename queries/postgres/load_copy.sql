-- Rows arrive as CSV: NULL is an unquoted empty field, every text value is quoted.
COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)
