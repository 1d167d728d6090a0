-- outages_apply_meter_evidence(_events jsonb) → jsonb
-- The engine's door for per-meter evidence (AMI last gasps and power-ups, customer calls), one
-- set-based call for a whole batch. _events is an array of
--   {"meter_id", "evidence": "off"|"on"|"report", "event_time", "provider",
--    "source_event_id", "event_type"}.
-- Power evidence is recorded (re-deliveries change nothing, late evidence never overrides
-- newer), applied outage evidence and reports are correlated into outages, applied power-ups
-- restore, late ones can only make a link's restore time earlier. Re-energizations on the
-- batch's feeders whose restoration check is due are judged first (outages_check_restorations).
-- Event times outside the limits of CONTRACT §12 are refused (meters_check_event_times);
-- stale ones (older than stale_before) are recorded but applied to nothing. Returns one object
-- per new row:
--   {"meter_id", "source_event_id", "evidence", "applied", "stale", "power_status",
--    "outage_event_id"}.
CREATE OR REPLACE FUNCTION outages_apply_meter_evidence(_events jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    _rows oms_evidence[];
    _late oms_evidence[];
    _stale oms_evidence[];
    _applied_off oms_evidence[];
    _reports oms_evidence[];
    _applied_on oms_evidence[];
    _placed oms_evidence[];
    _restored oms_evidence[];
    _stale_before timestamptz;
BEGIN
    _rows := ARRAY(
        SELECT ROW(x.meter_id, lower(x.evidence), x.event_time, lower(x.provider),
                   x.source_event_id, x.event_type, NULL)::oms_evidence
          FROM jsonb_to_recordset(_events) AS x(meter_id bigint, evidence text,
                                                event_time timestamptz, provider text,
                                                source_event_id text, event_type text)
         WHERE x.meter_id IS NOT NULL);
    PERFORM meters_check_event_times(ARRAY(SELECT r.event_time FROM unnest(_rows) r),
                                     'event_time');
    PERFORM outages_lock_meters(ARRAY(SELECT r.meter_id FROM unnest(_rows) r));
    -- Re-energizations on these feeders whose wait is over are checked first, on the evidence
    -- that came before this batch (outages_check_restorations).
    PERFORM outages_check_restorations(ARRAY(
        SELECT DISTINCT m.feeder_id FROM oms_meters m
         WHERE m.id IN (SELECT r.meter_id FROM unnest(_rows) r) AND m.feeder_id IS NOT NULL));
    -- Read before the evidence below moves the frontier: the batch is judged as one.
    _stale_before := (SELECT l.stale_before FROM meters_event_time_limits() l);

    SELECT coalesce(array_agg(r) FILTER (WHERE r.evidence = 'off' AND p.applied), '{}'),
           coalesce(array_agg(r) FILTER (WHERE r.evidence = 'on' AND p.applied), '{}'),
           coalesce(array_agg(r) FILTER (WHERE NOT p.applied), '{}')
      INTO _applied_off, _applied_on, _late
      FROM meters_record_power_evidence(_rows) p
      JOIN unnest(_rows) r ON (r.meter_id, r.provider, r.source_event_id)
                            = (p.meter_id, p.provider, p.source_event_id);
    -- A report already evidencing an outage is a re-delivery.
    _reports := ARRAY(SELECT DISTINCT ON (r.meter_id, r.source_event_id) r
                        FROM unnest(_rows) r
                       WHERE r.evidence = 'report' AND r.event_time >= _stale_before
                         AND NOT EXISTS (SELECT 1 FROM oms_event_sources s
                                          WHERE s.source_type = r.provider
                                            AND s.source_event_id = r.source_event_id));

    -- A report made while the meter was out but arriving after newer power-on evidence opens
    -- nothing: it is evidence of the outage that had the meter out at the report's time.
    _stale := ARRAY(
        SELECT ROW(r.meter_id, r.evidence, r.event_time, r.provider, r.source_event_id,
                   r.event_type,
                   (SELECT om.outage_event_id
                      FROM oms_outage_meters om
                      JOIN oms_outage_events o ON o.id = om.outage_event_id
                     WHERE om.meter_id = r.meter_id AND om.off_at <= r.event_time
                       AND coalesce(om.restored_at, 'infinity') >= r.event_time
                       AND o.status <> 'merged'
                     ORDER BY om.off_at DESC LIMIT 1))::oms_evidence
          FROM unnest(_reports) r JOIN oms_meters m ON m.id = r.meter_id
         WHERE m.power_status = 'on' AND m.last_power_change > r.event_time);
    IF cardinality(_stale) > 0 THEN
        PERFORM outages_add_sources(_stale);
        PERFORM outages_refresh(ARRAY(SELECT DISTINCT r.outage_id FROM unnest(_stale) r
                                       WHERE r.outage_id IS NOT NULL));
        _reports := ARRAY(SELECT r FROM unnest(_reports) r
                           WHERE (r.meter_id, r.source_event_id) NOT IN (
                                 SELECT s.meter_id, s.source_event_id FROM unnest(_stale) s));
    END IF;

    _placed := outages_correlate(_applied_off || _reports);
    PERFORM meters_advance_frontier(_reports);
    _restored := outages_restore_meters(_applied_on);
    -- A late power-up changes no state, but tells when its meter came back.
    PERFORM outages_refine_restore_times(ARRAY(SELECT r FROM unnest(_late) r
                                                WHERE r.event_time >= _stale_before));

    RETURN coalesce((
        SELECT jsonb_agg(jsonb_build_object(
                   'meter_id', f.meter_id, 'source_event_id', f.source_event_id,
                   'evidence', f.evidence, 'applied', f.applied,
                   'stale', f.event_time < _stale_before,
                   'power_status', m.power_status, 'outage_event_id', o.event_id))
          FROM (SELECT r.meter_id, r.source_event_id, r.evidence, r.outage_id, true AS applied,
                       r.event_time
                  FROM unnest(_placed || _restored || _stale) r
                UNION ALL
                SELECT r.meter_id, r.source_event_id, r.evidence, NULL, false, r.event_time
                  FROM unnest(_late) r
                UNION ALL
                SELECT DISTINCT ON (r.meter_id, r.source_event_id) r.meter_id,
                       r.source_event_id, r.evidence, NULL, false, r.event_time
                  FROM unnest(_rows) r
                 WHERE r.evidence = 'report' AND r.event_time < _stale_before) f
          JOIN oms_meters m ON m.id = f.meter_id
          LEFT JOIN oms_outage_events o ON o.id = f.outage_id), '[]'::jsonb);
END;
$$;
