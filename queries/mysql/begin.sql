-- One consistent snapshot for every query of the scan, and no writes possible.
START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY
