-- outages_review() → integer (outages re-placed or restored)
-- Predictions that later evidence contradicts (CONTRACT §11; run by the sweep, in a
-- transaction of its own): an outage the engine predicted from AMI at an in-line device, a
-- feeder or a substation (status detected, no SCADA or operator evidence) where some meters
-- below it report power while meters with their own evidence below it stay out, once that has
-- held for replace_settle_seconds (meters below one device regain power together and report
-- it with their own delays; until then it may be the rest of a restoration still arriving):
--   * when the power came back within rollup_window_minutes of the outage's start, the device
--     was never out: the prediction was too high and is re-placed (outages_replace);
--   * later, the device's outage is restored when its meters came back, and the meters still
--     out correlate again into their own, nested outages (CONTRACT §5), but for a meter whose
--     transformer (DP) is back (another of its meters in the outage reported power): its own
--     power-up was lost (a tenth of them are, in a storm), so it is back with its DP, on
--     inferred evidence dated when the first of its DP came back, unless it has reported off
--     since then.
-- Too low is the climb's business: more DPs out below a parent make the parent's outage, which
-- absorbs the child's (outages_predict). The clock is event time: the newest event time
-- applied (the frontier), so a storm replayed or posted faster than real time settles by its
-- own events' times.
CREATE OR REPLACE FUNCTION outages_review() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    _now timestamptz := coalesce((SELECT max(f.event_time) FROM oms_event_frontier f), now());
    _settle interval := outages_rule('replace_settle_seconds', 120) * interval '1 second';
    _window interval := outages_rule('rollup_window_minutes', 15) * interval '1 minute';
    _found record;
    _nested oms_evidence[];
    _back_with_dp oms_evidence[];
BEGIN
    WITH contradicted AS (
        SELECT o.id, o.feeder_id, o.first_detected_at, min(om.restored_at) AS first_back,
               count(*) FILTER (WHERE om.restored_at IS NOT NULL) AS back,
               count(*) FILTER (WHERE om.restored_at IS NULL AND NOT om.inferred) AS out
          FROM oms_outage_events o JOIN oms_outage_meters om ON om.outage_event_id = o.id
         WHERE o.status = 'detected' AND o.restored_meters_count > 0
           AND o.scope IN ('recloser', 'sectionalizer', 'switch', 'fuse', 'feeder', 'substation')
           AND NOT EXISTS (SELECT 1 FROM oms_event_sources s
                            WHERE s.outage_event_id = o.id
                              AND s.source_type IN ('scada', 'operator'))
         GROUP BY o.id
        HAVING min(om.restored_at) <= _now - _settle
           AND count(*) FILTER (WHERE om.restored_at IS NULL AND NOT om.inferred) > 0
    )
    SELECT coalesce(array_agg(c.id ORDER BY c.id)
                        FILTER (WHERE c.first_back <= c.first_detected_at + _window), '{}')
               AS too_high,
           coalesce(array_agg(c.id ORDER BY c.id)
                        FILTER (WHERE c.first_back > c.first_detected_at + _window), '{}')
               AS nested,
           coalesce(array_agg(DISTINCT c.feeder_id), '{}') AS feeders,
           coalesce(sum(c.back), 0) AS back, coalesce(sum(c.out), 0) AS out
      INTO _found FROM contradicted c;
    IF cardinality(_found.too_high) + cardinality(_found.nested) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM outages_lock_feeders(_found.feeders);

    IF cardinality(_found.too_high) > 0 THEN
        PERFORM outages_replace(_found.too_high,
            'meters below it report power while meters with their own evidence stay out');
    END IF;
    IF cardinality(_found.nested) > 0 THEN
        _back_with_dp := ARRAY(
            SELECT ROW(m.id, 'on', b.back_at, 'oms', o.event_id, 'inferred_restoration',
                       NULL)::oms_evidence
              FROM oms_outage_meters om
              JOIN oms_outage_events o ON o.id = om.outage_event_id
              JOIN oms_meters m ON m.id = om.meter_id AND m.power_status = 'off'
              CROSS JOIN LATERAL (
                  SELECT min(sib.restored_at) AS back_at
                    FROM oms_outage_meters sib JOIN oms_meters sm ON sm.id = sib.meter_id
                   WHERE sib.outage_event_id = om.outage_event_id
                     AND sm.dp_id = m.dp_id AND sm.id <> m.id
                     AND sib.restored_at IS NOT NULL AND sm.power_status = 'on') b
             WHERE om.outage_event_id = ANY (_found.nested) AND om.restored_at IS NULL
               AND b.back_at IS NOT NULL AND m.last_power_change < b.back_at);
        _back_with_dp := ARRAY(
            SELECT r FROM unnest(_back_with_dp) r
              JOIN meters_record_power_evidence(_back_with_dp) p
                ON p.meter_id = r.meter_id AND p.source_event_id = r.source_event_id
             WHERE p.applied);
        PERFORM outages_restore_meters(_back_with_dp);
        _nested := ARRAY(
            SELECT ROW(m.id, 'off', e.event_timestamp, e.source_type, e.source_event_id,
                       e.event_type, NULL)::oms_evidence
              FROM oms_outage_meters om
              JOIN oms_meters m ON m.id = om.meter_id AND m.power_status = 'off'
              CROSS JOIN LATERAL (
                  SELECT * FROM oms_meter_status_events e
                   WHERE e.meter_id = m.id AND e.applied AND e.new_status = 'off'
                   ORDER BY e.event_timestamp DESC LIMIT 1) e
             WHERE om.outage_event_id = ANY (_found.nested) AND om.restored_at IS NULL
               AND NOT om.inferred AND e.source_type <> 'oms');
        PERFORM outages_mark_restored(_found.nested, NULL,
            'Meters below it report power; those still out form their own outage');
        PERFORM outages_correlate(_nested);
    END IF;
    RETURN cardinality(_found.too_high) + cardinality(_found.nested);
END;
$$;
