-- One snapshot for every query of the scan (the connection itself is read-only).
BEGIN DEFERRED
