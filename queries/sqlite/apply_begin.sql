-- Each batch of apply is one transaction that takes the write lock at once, so the
-- rows it compares cannot change before it deletes.
BEGIN IMMEDIATE
