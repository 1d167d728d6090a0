-- outages_correlate(_rows oms_evidence[]) → oms_evidence[] (outage_id filled in)
-- Evidence that meters are out (applied last gasps, customer reports): each row joins the
-- active outage covering its meter (substation, feeder, DP or meter); otherwise a meter outage
-- is opened for it. Sources and meters are linked, then the DPs concerned roll up
-- (outages_roll_up). The returned rows carry the outage each finally belongs to.
CREATE OR REPLACE FUNCTION outages_correlate(_rows oms_evidence[]) RETURNS oms_evidence[]
LANGUAGE plpgsql AS $$
DECLARE
    _placed oms_evidence[];
    _touched bigint[];
BEGIN
    IF cardinality(_rows) = 0 THEN
        RETURN _rows;
    END IF;

    PERFORM outages_open('meter', array_agg(r.meter_id), array_agg(r.event_time), 'medium', '')
       FROM unnest(_rows) r WHERE outages_covering(r.meter_id) IS NULL
     HAVING count(*) > 0;

    _placed := ARRAY(SELECT ROW(r.meter_id, r.evidence, r.event_time, r.provider,
                                r.source_event_id, r.event_type,
                                outages_covering(r.meter_id))::oms_evidence
                       FROM unnest(_rows) r);
    PERFORM outages_add_sources(_placed);
    PERFORM outages_link_meters(_placed, false);
    _touched := ARRAY(SELECT DISTINCT r.outage_id FROM unnest(_placed) r);
    PERFORM outages_refresh(_touched);

    PERFORM outages_roll_up(ARRAY(SELECT DISTINCT m.dp_id FROM unnest(_placed) r
                                    JOIN oms_meters m ON m.id = r.meter_id
                                   WHERE m.dp_id IS NOT NULL));

    RETURN ARRAY(SELECT ROW(r.meter_id, r.evidence, r.event_time, r.provider, r.source_event_id,
                            r.event_type, coalesce(outages_covering(r.meter_id), r.outage_id))::oms_evidence
                   FROM unnest(_placed) r);
END;
$$;
