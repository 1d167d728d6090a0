-- outages_correlate(_rows oms_evidence[]) → oms_evidence[] (outage_id filled in)
-- Evidence that meters are out (applied last gasps, customer reports): each row joins the
-- active outage covering its meter (substation, feeder, in-line device, DP or meter). The rest
-- first roll up, with the evidence still waiting at the same DPs (oms_pending_evidence): a DP
-- that this evidence makes ripe becomes a DP outage at once and the DPs out climb the tree
-- (outages_roll_up). What is still uncovered opens meter outages, except a meter's own outage
-- evidence younger than single_meter_wait_seconds (CONTRACT §11): it waits, and no outage is
-- reported for it until outages_sweep finds it due (or the DP's next evidence explains it); a
-- power-up first drops it (outages_restore_meters). Sources and meters are linked, then the
-- feeders concerned roll up again. The returned rows (those given; none of the waiting ones
-- taken in) carry the outage each finally belongs to, NULL while it waits.
CREATE OR REPLACE FUNCTION outages_correlate(_rows oms_evidence[]) RETURNS oms_evidence[]
LANGUAGE plpgsql AS $$
DECLARE
    _wait interval := outages_rule('single_meter_wait_seconds', 60) * interval '1 second';
    _cutoff timestamptz;
    _placed oms_evidence[];
    _pending oms_evidence[];
    _waiting oms_evidence[];
    _dps bigint[];
BEGIN
    IF cardinality(_rows) = 0 THEN
        RETURN _rows;
    END IF;
    _dps := ARRAY(SELECT DISTINCT m.dp_id FROM unnest(_rows) r
                    JOIN oms_meters m ON m.id = r.meter_id WHERE m.dp_id IS NOT NULL);
    -- The evidence waiting at these DPs is judged again with this batch's, while it is still
    -- its meter's newest.
    WITH taken AS (
        DELETE FROM oms_pending_evidence p WHERE p.dp_id = ANY (_dps)
        RETURNING p.meter_id, p.evidence, p.event_time, p.provider, p.source_event_id,
                  p.event_type
    )
    SELECT ARRAY(
        SELECT ROW(t.meter_id, t.evidence, t.event_time, t.provider, t.source_event_id,
                   t.event_type, NULL)::oms_evidence
          FROM taken t JOIN oms_meters m ON m.id = t.meter_id
         WHERE m.power_status = 'off' AND m.last_power_change <= t.event_time
           AND (t.meter_id, t.provider, t.source_event_id) NOT IN (
               SELECT r.meter_id, r.provider, r.source_event_id FROM unnest(_rows) r))
      INTO _waiting;

    _placed := outages_place(_rows || _waiting);
    _pending := ARRAY(SELECT r FROM unnest(_placed) r WHERE r.outage_id IS NULL);
    IF cardinality(_pending) > 0 THEN
        PERFORM outages_roll_up(_dps, _pending);
        _placed := outages_place(_placed);
        _cutoff := greatest(now(), (SELECT max(f.event_time) FROM oms_event_frontier f)) - _wait;
        INSERT INTO oms_pending_evidence
            (meter_id, dp_id, evidence, event_time, provider, source_event_id, event_type, due_at)
        SELECT DISTINCT ON (r.meter_id, r.provider, r.source_event_id)
               r.meter_id, m.dp_id, r.evidence, r.event_time, r.provider, r.source_event_id,
               coalesce(r.event_type, ''), r.event_time + _wait
          FROM unnest(_placed) r JOIN oms_meters m ON m.id = r.meter_id
         WHERE r.outage_id IS NULL AND r.evidence = 'off' AND r.event_time > _cutoff
        ON CONFLICT (meter_id, provider, source_event_id) DO NOTHING;
        PERFORM outages_open('meter', array_agg(r.meter_id), array_agg(r.event_time), 'medium', '')
           FROM unnest(_placed) r
          WHERE r.outage_id IS NULL AND NOT (r.evidence = 'off' AND r.event_time > _cutoff)
         HAVING count(*) > 0;
        _placed := outages_place(_placed);
    END IF;

    PERFORM outages_add_sources(_placed);
    PERFORM outages_link_meters(_placed, false);
    PERFORM outages_refresh(ARRAY(SELECT DISTINCT r.outage_id FROM unnest(_placed) r
                                   WHERE r.outage_id IS NOT NULL));
    PERFORM outages_roll_up(_dps, '{}');
    RETURN ARRAY(SELECT r FROM unnest(outages_place(_placed)) r
                  WHERE (r.meter_id, r.provider, r.source_event_id) NOT IN (
                        SELECT w.meter_id, w.provider, w.source_event_id
                          FROM unnest(_waiting) w));
END;
$$;
