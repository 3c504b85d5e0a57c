-- The user the session is logged in as, for the runs table.
SELECT CAST(current_user AS text)
