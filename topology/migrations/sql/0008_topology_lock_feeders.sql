-- topology_lock_feeders(_feeder_ids bigint[]) → void
-- The one lock order of everything that writes what a feeder feeds (the outage engine, the
-- derivation of feeding, switching, imports): first the network lock, shared (see
-- topology_lock_network), then a transaction-scoped advisory lock per feeder, ascending by id
-- (meters without a feeder share key 0). A feeder's key is its exact bigint id split in two
-- int4 halves, (7401 + id / 2^31, id mod 2^31), so ids past 2^31 neither fail nor share a
-- lock, and the pairs sort as the ids do.
CREATE OR REPLACE FUNCTION topology_lock_feeders(_feeder_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    _feeder bigint;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7400, 0);
    FOR _feeder IN SELECT DISTINCT coalesce(f, 0) FROM unnest(_feeder_ids) f ORDER BY 1 LOOP
        PERFORM pg_advisory_xact_lock((7401 + (_feeder >> 31))::integer,
                                      (_feeder & 2147483647)::integer);
    END LOOP;
END;
$$;
