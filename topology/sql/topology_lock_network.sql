-- topology_lock_network() → void
-- The network lock, exclusive: taken by whatever moves meters between feeders (the derivation
-- of feeding, a re-derivation of meters) before it reads what it will move. The engine takes it
-- shared (topology_lock_feeders) before it reads which feeders its meters are on, so those
-- feeders cannot change under it; a move waits for the engine calls in flight and the calls
-- after it wait for the move. First in the one lock order, before any feeder lock.
CREATE OR REPLACE FUNCTION topology_lock_network() RETURNS void
LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(7400, 0)
$$;
