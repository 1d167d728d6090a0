-- outages_lock_feeders(_feeder_ids bigint[]) → void
-- The engine's one lock order: a transaction-scoped advisory lock per feeder, ascending
-- (meters without a feeder share key 0), taken before any meter or outage row is touched.
-- Every engine entry point calls it, so concurrent events on one feeder serialize instead of
-- losing updates or deadlocking.
CREATE OR REPLACE FUNCTION outages_lock_feeders(_feeder_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    _feeder bigint;
BEGIN
    FOR _feeder IN SELECT DISTINCT coalesce(f, 0) FROM unnest(_feeder_ids) f ORDER BY 1 LOOP
        PERFORM pg_advisory_xact_lock(7401, _feeder::integer);
    END LOOP;
END;
$$;
