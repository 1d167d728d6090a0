-- outages_independent(_ids bigint[], _at timestamptz) → bigint[]
-- Of the given outages, those standing on their own when a device above them is switched at
-- _at: active, not planned, begun more than a minute before _at while their meters still had
-- supply from above - for none of their meters still out is the newest supply-side fact before
-- _at (SCADA's or an operator's loss of voltage or restoration) at or before a minute after
-- the outage's start a loss of voltage (the minute: gasps stamped by a clock a little behind
-- the SCADA's). A transformer or fuse that failed while its feeder was in is such an outage:
-- a trip or an operator's opening above it does not cause it (outages_de_energize_device
-- leaves it standing) and the closing does not end it (outages_energize_device leaves its
-- meters off). Outages begun in the dark (the DPs of a lockout) are not. STABLE.
CREATE OR REPLACE FUNCTION outages_independent(_ids bigint[], _at timestamptz)
RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(o.id ORDER BY o.id), '{}')
      FROM oms_outage_events o
     WHERE o.id = ANY (_ids) AND o.status = ANY (outages_active_statuses())
       AND o.event_type <> 'planned_outage' AND o.first_detected_at < _at - interval '1 minute'
       AND NOT EXISTS (
           SELECT 1 FROM oms_outage_meters om
            CROSS JOIN LATERAL (
                SELECT e.new_status FROM oms_meter_status_events e
                 WHERE e.meter_id = om.meter_id
                   AND e.source_type IN ('scada', 'operator')
                   AND e.event_type IN ('loss_of_voltage', 'restoration')
                   AND e.event_timestamp <= o.first_detected_at + interval '1 minute'
                   AND e.event_timestamp < _at
                 ORDER BY e.event_timestamp DESC LIMIT 1) s
            WHERE om.outage_event_id = o.id AND om.restored_at IS NULL
              AND s.new_status = 'off')
$$;
