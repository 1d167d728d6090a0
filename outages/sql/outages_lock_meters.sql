-- outages_lock_meters(_meter_ids bigint[]) → void
-- The feeder locks (topology_lock_feeders) of the feeders these meters are fed from, read
-- under the shared network lock, so that no derivation of feeding (switching, an import, a
-- steward's edit) moves them to another feeder between the read and the end of the
-- transaction. Entry points that start from meters call it instead of reading the feeders
-- themselves.
CREATE OR REPLACE FUNCTION outages_lock_meters(_meter_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM topology_lock_feeders('{}');
    PERFORM topology_lock_feeders(ARRAY(SELECT m.feeder_id FROM oms_meters m
                                         WHERE m.id = ANY (_meter_ids)));
END;
$$;
