-- One consistent snapshot for every query of the scan, and no writes possible.
START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY
