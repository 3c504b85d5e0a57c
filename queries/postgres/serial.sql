-- For the rest of the transaction, no parallel workers: the counts that run beside
-- the grouping pass, on a connection of their own, then take one core instead of
-- crowding the grouping pass (and dupaudit) out of every core.
SELECT set_config('max_parallel_workers_per_gather', '0', true)
