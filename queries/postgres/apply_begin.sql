-- Each batch of apply is one transaction; READ COMMITTED with row locks: a locked
-- row is re-read at its latest committed version.
START TRANSACTION ISOLATION LEVEL READ COMMITTED
