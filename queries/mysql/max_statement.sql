-- The largest statement the server accepts, in bytes.
SELECT CAST(@@max_allowed_packet AS SIGNED)
