-- The snapshot of this transaction, so that the connections of a split scan read
-- the same moment (SET TRANSACTION SNAPSHOT on each of them).
SELECT pg_export_snapshot()
