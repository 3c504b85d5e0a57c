-- Every connection: the server checks each second whether the client is still there
-- and stops the running query once it is gone (PostgreSQL 14 and later, where the
-- server's kernel reports closed sockets). A scan or apply killed mid-query then
-- leaves nothing running on the server; without it the server notices only when it
-- next writes to the connection, after the whole grouping pass. Older servers and
-- other platforms refuse or do not know the setting, which changes nothing there.
DO $$
BEGIN
    PERFORM set_config('client_connection_check_interval', '1000', false);
EXCEPTION WHEN OTHERS THEN
    NULL;
END
$$
