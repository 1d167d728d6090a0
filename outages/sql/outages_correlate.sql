-- outages_correlate(_rows oms_evidence[]) → oms_evidence[] (outage_id filled in)
-- Evidence that meters are out (applied last gasps, customer reports): each row joins the
-- active outage covering its meter (substation, feeder, DP or meter). The rest first roll up:
-- a DP that this evidence, with the meter outages already there, makes ripe becomes a DP outage
-- at once; what is still uncovered opens meter outages. Sources and meters are linked, then the
-- feeders concerned roll up (outages_roll_up). The returned rows carry the outage each finally
-- belongs to.
CREATE OR REPLACE FUNCTION outages_correlate(_rows oms_evidence[]) RETURNS oms_evidence[]
LANGUAGE plpgsql AS $$
DECLARE
    _placed oms_evidence[];
    _pending oms_evidence[];
    _dps bigint[];
BEGIN
    IF cardinality(_rows) = 0 THEN
        RETURN _rows;
    END IF;
    _placed := outages_place(_rows);
    _dps := ARRAY(SELECT DISTINCT m.dp_id FROM unnest(_placed) r
                    JOIN oms_meters m ON m.id = r.meter_id WHERE m.dp_id IS NOT NULL);
    _pending := ARRAY(SELECT r FROM unnest(_placed) r WHERE r.outage_id IS NULL);
    IF cardinality(_pending) > 0 THEN
        PERFORM outages_roll_up(_dps, _pending);
        _placed := outages_place(_placed);
        PERFORM outages_open('meter', array_agg(r.meter_id), array_agg(r.event_time), 'medium', '')
           FROM unnest(_placed) r WHERE r.outage_id IS NULL
         HAVING count(*) > 0;
        _placed := outages_place(_placed);
    END IF;

    PERFORM outages_add_sources(_placed);
    PERFORM outages_link_meters(_placed, false);
    PERFORM outages_refresh(ARRAY(SELECT DISTINCT r.outage_id FROM unnest(_placed) r));
    PERFORM outages_roll_up(_dps, '{}');
    RETURN outages_place(_placed);
END;
$$;
