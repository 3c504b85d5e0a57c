-- This session only: the foreign key of a shape with one is added over rows it
-- does not hold for (orphans).
SET SESSION foreign_key_checks = 0
