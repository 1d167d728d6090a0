-- outages_replace(_ids bigint[], _reason text) → void
-- Re-placement of predicted outages that later evidence shows too high (CONTRACT §11; called
-- by outages_review): each outage is withdrawn (cancelled: its device was never out, so no
-- interruption is counted at it) with the reason on its timeline, and the evidence still
-- standing below it — its meters' own off evidence, still their newest — is correlated again,
-- so it lands at the devices that explain it now (the withdrawn device is not predicted again
-- while a meter below it has power since the evidence began, outages_predict). The outages it
-- lands in say where it came from. Meters the withdrawn outage inferred off that no outage
-- explains now go back to the state their own evidence left them in. Callers hold the locks of
-- the outages' feeders.
CREATE OR REPLACE FUNCTION outages_replace(_ids bigint[], _reason text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    _targets bigint[];
    _events text;
    _still_off oms_evidence[];
    _landed bigint[];
BEGIN
    SELECT coalesce(array_agg(o.id ORDER BY o.id), '{}'),
           string_agg(o.event_id, ', ' ORDER BY o.id)
      INTO _targets, _events
      FROM oms_outage_events o WHERE o.id = ANY (_ids) AND o.status = 'detected';
    IF cardinality(_targets) = 0 THEN
        RETURN;
    END IF;
    _still_off := ARRAY(
        SELECT ROW(m.id, 'off', e.event_timestamp, e.source_type, e.source_event_id,
                   e.event_type, NULL)::oms_evidence
          FROM oms_outage_meters om
          JOIN oms_meters m ON m.id = om.meter_id AND m.power_status = 'off'
          CROSS JOIN LATERAL (
              SELECT * FROM oms_meter_status_events e
               WHERE e.meter_id = m.id AND e.applied AND e.new_status = 'off'
               ORDER BY e.event_timestamp DESC LIMIT 1) e
         WHERE om.outage_event_id = ANY (_targets) AND om.restored_at IS NULL
           AND NOT om.inferred AND e.source_type <> 'oms');

    UPDATE oms_outage_events SET status = 'cancelled', updated_at = now()
     WHERE id = ANY (_targets);
    PERFORM outages_log(_targets, 'replaced', 'Withdrawn: ' || _reason, now());
    PERFORM outages_announce(_targets, 'closed');

    _landed := ARRAY(SELECT DISTINCT r.outage_id FROM unnest(outages_correlate(_still_off)) r
                      WHERE r.outage_id IS NOT NULL);
    PERFORM outages_log(_landed, 'replaced', 'Re-placed from ' || _events || ': ' || _reason,
                        now());

    -- Meters inferred off by the withdrawn outages that nothing explains now.
    PERFORM meters_record_power_evidence(ARRAY(
        SELECT ROW(m.id, e.previous_status, m.last_power_change, 'oms',
                   e.source_event_id || '/withdrawn', 'inference_withdrawn', NULL)::oms_evidence
          FROM oms_outage_meters om
          JOIN oms_outage_events o ON o.id = om.outage_event_id
          JOIN oms_meters m ON m.id = om.meter_id AND m.power_status = 'off'
          CROSS JOIN LATERAL (
              SELECT * FROM oms_meter_status_events e
               WHERE e.meter_id = m.id AND e.applied
               ORDER BY e.event_timestamp DESC, e.id DESC LIMIT 1) e
         WHERE om.outage_event_id = ANY (_targets) AND om.inferred AND om.restored_at IS NULL
           AND e.source_type = 'oms' AND e.source_event_id = o.event_id
           AND e.previous_status IN ('on', 'unknown')
           AND NOT EXISTS (SELECT 1 FROM oms_outage_meters n
                             JOIN oms_outage_events a ON a.id = n.outage_event_id
                            WHERE n.meter_id = m.id AND n.restored_at IS NULL
                              AND a.status = ANY (outages_active_statuses()))));
END;
$$;
