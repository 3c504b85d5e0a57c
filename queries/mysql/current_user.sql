-- The account the session is logged in as, for the runs table.
SELECT CURRENT_USER()
