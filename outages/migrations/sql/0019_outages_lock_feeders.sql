-- outages_lock_feeders(_feeder_ids bigint[]) → void
-- The engine's one lock order: topology_lock_feeders (a transaction-scoped advisory lock per
-- feeder, ascending, bigint ids), taken before any meter or outage row is touched. Every engine
-- entry point calls it, and so does every writer of feeding (derivation, switching, import),
-- so concurrent writers on one feeder serialize instead of losing updates or deadlocking.
CREATE OR REPLACE FUNCTION outages_lock_feeders(_feeder_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    SELECT topology_lock_feeders(_feeder_ids)
$$;
