-- Locking reads and the journal read see the latest committed rows.
SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED
