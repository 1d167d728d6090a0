-- outages_restore_meters(_rows oms_evidence[]) → oms_evidence[] (outage_id filled in)
-- Applied power-on evidence: the meters' open links in active outages are closed at the
-- earliest of the meter's power-on times since it went off (partial restoration), and outages
-- whose reporting meters are all back become restored (outages_refresh). A link's restore time
-- is never later than its meter's earliest evidence of power since the off: a power-up that
-- arrives late (its retransmission, dated later, came first) moves it earlier
-- (outages_refine_restore_times).
-- Outage evidence of these meters still waiting out the single-meter wait
-- (oms_pending_evidence) is dropped: the meter is back before any outage.
CREATE OR REPLACE FUNCTION outages_restore_meters(_rows oms_evidence[]) RETURNS oms_evidence[]
LANGUAGE plpgsql AS $$
DECLARE
    _restored oms_evidence[];
    _touched bigint[];
BEGIN
    PERFORM outages_refine_restore_times(_rows);
    -- A single meter's evidence still waiting out its wait is answered: no outage.
    DELETE FROM oms_pending_evidence p
     USING (SELECT r.meter_id, max(r.event_time) AS at FROM unnest(_rows) r
             GROUP BY r.meter_id) b
     WHERE p.meter_id = b.meter_id AND p.event_time <= b.at;
    WITH back AS (
        SELECT om.outage_event_id, om.meter_id, min(r.event_time) AS at
          FROM unnest(_rows) r
          JOIN oms_outage_meters om ON om.meter_id = r.meter_id AND om.restored_at IS NULL
                                   AND r.event_time >= om.off_at
         GROUP BY om.outage_event_id, om.meter_id
    ),
    closed AS (
        UPDATE oms_outage_meters om SET restored_at = b.at
          FROM back b, oms_outage_events o
         WHERE om.outage_event_id = b.outage_event_id AND om.meter_id = b.meter_id
           AND o.id = om.outage_event_id AND o.status = ANY (outages_active_statuses())
        RETURNING om.meter_id, om.outage_event_id
    )
    SELECT ARRAY(SELECT ROW(r.meter_id, r.evidence, r.event_time, r.provider, r.source_event_id,
                            r.event_type, c.outage_event_id)::oms_evidence
                   FROM unnest(_rows) r LEFT JOIN closed c ON c.meter_id = r.meter_id)
      INTO _restored;

    _touched := ARRAY(SELECT DISTINCT r.outage_id FROM unnest(_restored) r
                       WHERE r.outage_id IS NOT NULL);
    IF cardinality(_touched) > 0 THEN
        INSERT INTO oms_event_timeline
            (outage_event_id, event_type, status, description, actor, metadata, event_timestamp,
             created_at)
        SELECT r.outage_id, 'meters_restored', o.status,
               count(DISTINCT r.meter_id) || ' meter(s) back on supply', 'engine',
               jsonb_build_object('meters', count(DISTINCT r.meter_id)), max(r.event_time), now()
          FROM unnest(_restored) r JOIN oms_outage_events o ON o.id = r.outage_id
         GROUP BY r.outage_id, o.status;
        PERFORM outages_refresh(_touched);
    END IF;
    RETURN _restored;
END;
$$;
