-- outages_energize_device(_scope, _device_id, _provider, _source_event_id, _event_time)
--   → (meter_id, previous_status, power_status, outage_id) per meter fed from the device
-- Restoration at a device (SCADA): its meters are set on unless they have newer evidence; the
-- active outages at or inside the device are restored. Meters still off after the device was
-- re-energized (newer evidence of off) stay off and form their own, nested outage; so do the
-- outages below it (DPs, meters, in-line devices) that started before the device's outage (by
-- more than nested_margin_seconds), with their meters: faults of their own, not ended by it. Meters
-- behind a device that is still open are not re-energized by it (their sections are not
-- energized): they stay off, in an outage at that open device (outages_mark_restored). An
-- outage that stood inside on its own when an operator's opening cut its meters off
-- (outages_independent: it began while they had supply, e.g. a transformer that failed
-- before operators opened a switch above it) is not ended by the closing: its meters stay
-- off, and it stays out. Nor is the active outage of a telemetered device below that is open as operated
-- (its own opening: a recloser that locked out before the breaker above it tripped).
-- The meters it sets on that were off and have a channel are remembered for the restoration
-- check (oms_restoration_checks, outages_check_restorations): those that then send no
-- power-up while others below the device do point at a fault that began while they were dark.
CREATE OR REPLACE FUNCTION outages_energize_device(
    _scope text, _device_id bigint, _provider text, _source_event_id text,
    _event_time timestamptz)
RETURNS TABLE (meter_id bigint, previous_status text, power_status text, outage_id bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    _fed bigint[] := topology_device_meter_ids(_scope, _device_id);
    _meters bigint[];
    _path record;
    _applied oms_evidence[];
    _restored oms_evidence[];
    _inside bigint[];
    _still_off oms_evidence[];
    _standing bigint[];
    _before jsonb;
    _kept bigint[];
    _margin interval := outages_rule('nested_margin_seconds', 10) * interval '1 second';
BEGIN
    SELECT * INTO _path FROM topology_device_path(_scope, _device_id);
    PERFORM outages_lock_feeders(CASE _scope
        WHEN 'substation' THEN ARRAY(SELECT id FROM network_feeders WHERE substation_id = _device_id)
        ELSE ARRAY[_path.feeder_id] END);
    SELECT coalesce(jsonb_object_agg(m.id, m.power_status), '{}') INTO _before
      FROM oms_meters m WHERE m.id = ANY (_fed);
    -- The outages standing at or inside the device end with its re-energization.
    _inside := ARRAY(
        SELECT o.id FROM oms_outage_events o
         WHERE o.status = ANY (outages_active_statuses())
           AND o.first_detected_at <= _event_time
           AND NOT EXISTS (SELECT 1 FROM network_devices v
                            WHERE o.scope IN ('recloser', 'sectionalizer', 'switch', 'fuse')
                              AND v.id = o.device_id AND v.state = 'open' AND v.telemetered
                              AND NOT (o.scope = _scope AND o.device_id = _device_id))
           AND CASE _scope
               WHEN 'substation' THEN o.substation_id = _device_id
               WHEN 'feeder' THEN o.feeder_id = _device_id
               WHEN 'dp' THEN o.dp_id = _device_id
               WHEN 'meter' THEN o.meter_id = _device_id
               -- an in-line device: its own outage and those of the DPs and devices it feeds
               ELSE (o.scope = _scope AND o.device_id = _device_id)
                    OR (o.scope IN ('dp', 'meter') AND o.dp_id IN (
                        SELECT d.id FROM network_sections s
                          JOIN network_distribution_points d ON d.section_id = s.id
                         WHERE s.path @> ARRAY[_device_id]))
                    OR (o.scope IN ('recloser', 'sectionalizer', 'switch', 'fuse')
                        AND o.device_id IN (
                        SELECT v.id FROM network_devices v
                          JOIN network_sections s ON s.id = v.upstream_section_id
                         WHERE s.path @> ARRAY[_device_id])) END);
    -- Those an operator's opening found standing on their own (it left them out of its
    -- planned outage: outages_de_energize_device) are not ended by the closing.
    _standing := ARRAY(
        SELECT i FROM unnest(outages_independent(ARRAY(
            SELECT i FROM unnest(_inside) i
             WHERE i NOT IN (SELECT o.id FROM oms_outage_events o
                              WHERE o.scope = _scope AND o.device_id = _device_id)),
            _event_time)) i
         WHERE EXISTS (SELECT 1 FROM oms_outage_events o
                         JOIN oms_outage_meters om ON om.outage_event_id = o.id
                                                  AND om.restored_at IS NULL
                         JOIN oms_meter_status_events e ON e.meter_id = om.meter_id
                        WHERE o.id = i AND e.source_type = 'operator'
                          AND e.event_type = 'loss_of_voltage' AND e.new_status = 'off'
                          AND e.event_timestamp > o.first_detected_at
                          AND e.event_timestamp < _event_time));
    _inside := ARRAY(SELECT i FROM unnest(_inside) i WHERE NOT i = ANY (_standing));
    -- Of those, the outages below the device (at DPs, meters and in-line devices: a fuse that
    -- blew before the breaker tripped) that started more than nested_margin_seconds before a
    -- device outage holding their meters now: faults of their own that the device's opening
    -- found out already (outages_de_energize_device leaves them nested). A device coming back
    -- does not repair them: they stay out, and so do their meters.
    _kept := ARRAY(
        SELECT c.id FROM oms_outage_events c
         WHERE c.id = ANY (_inside) AND c.scope NOT IN ('substation', 'feeder')
           AND NOT (c.scope = _scope AND c.device_id = _device_id)
           AND EXISTS (
               SELECT 1 FROM oms_outage_meters cm
                 JOIN oms_outage_meters pm ON pm.meter_id = cm.meter_id
                                          AND pm.outage_event_id <> c.id
                                          AND pm.restored_at IS NULL
                 JOIN oms_outage_events p ON p.id = pm.outage_event_id
                WHERE cm.outage_event_id = c.id AND cm.restored_at IS NULL
                  AND p.status = ANY (outages_active_statuses())
                  AND p.scope NOT IN ('dp', 'meter')
                  AND p.first_detected_at > c.first_detected_at + _margin));
    -- What the device's restoration re-energizes: its meters in energized sections, but for
    -- those held by an outage standing on its own or kept.
    _meters := ARRAY(
        SELECT m.id FROM oms_meters m
          LEFT JOIN network_distribution_points d ON d.id = m.dp_id
          LEFT JOIN network_sections s ON s.id = d.section_id
         WHERE m.id = ANY (_fed) AND coalesce(s.energized, true)
           AND NOT EXISTS (SELECT 1 FROM oms_outage_meters om
                            WHERE om.outage_event_id = ANY (_standing)
                              AND om.meter_id = m.id AND om.restored_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM oms_outage_meters km
                            WHERE km.outage_event_id = ANY (_kept) AND km.meter_id = m.id
                              AND km.restored_at IS NULL)
         ORDER BY m.id);

    -- The meters it sets on that were off and can report are remembered: the restoration
    -- check (outages_check_restorations) looks for their own power-ups once they have had
    -- the time to send them (a fault that began while they were dark sends none).
    IF _scope IN ('substation', 'feeder', 'recloser', 'sectionalizer', 'switch', 'fuse') THEN
        INSERT INTO oms_restoration_checks AS c
            (meter_id, dp_id, feeder_id, scope, device_id, energized_at, off_since, recorded_at)
        SELECT m.id, m.dp_id, m.feeder_id, _scope, _device_id, _event_time, m.last_power_change,
               now()
          FROM oms_meters m
         WHERE m.id = ANY (_meters) AND m.power_status = 'off' AND m.status = 'active'
           AND m.meter_type NOT IN ('conventional', 'prepaid')
           AND m.last_power_change <= _event_time
        ON CONFLICT (meter_id) DO UPDATE
           SET dp_id = excluded.dp_id, feeder_id = excluded.feeder_id, scope = excluded.scope,
               device_id = excluded.device_id, energized_at = excluded.energized_at,
               off_since = excluded.off_since, recorded_at = excluded.recorded_at
         WHERE c.energized_at < excluded.energized_at;
    END IF;

    _applied := ARRAY(
        SELECT ROW(p.meter_id, 'on', _event_time, _provider, _source_event_id, 'restoration',
                   NULL)::oms_evidence
          FROM meters_record_power_evidence(ARRAY(
              SELECT ROW(m, 'on', _event_time, _provider, _source_event_id, 'restoration',
                         NULL)::oms_evidence FROM unnest(_meters) m)) p
         WHERE p.applied);
    _restored := outages_restore_meters(_applied);
    PERFORM outages_hand_back(_restored);

    -- The outages standing at or inside the device end with its re-energization (those the
    -- meters' power-ups above did not end already), but the ones kept.
    _inside := ARRAY(
        SELECT o.id FROM oms_outage_events o
         WHERE o.id = ANY (_inside) AND NOT o.id = ANY (_kept)
           AND o.status = ANY (outages_active_statuses()));
    -- For the meters of the outages kept or standing on their own, the interruption of those
    -- ending here ends (their links close now, so the restoration below does not set them
    -- on): their own goes on.
    UPDATE oms_outage_meters om SET restored_at = _event_time
     WHERE om.outage_event_id = ANY (_inside) AND om.restored_at IS NULL
       AND om.meter_id IN (SELECT km.meter_id FROM oms_outage_meters km
                            WHERE km.outage_event_id = ANY (_kept || _standing)
                              AND km.restored_at IS NULL);
    IF cardinality(_inside) > 0 THEN
        _still_off := ARRAY(
            SELECT ROW(m.id, 'off', e.event_timestamp, e.source_type, e.source_event_id,
                       e.event_type, NULL)::oms_evidence
              FROM oms_outage_meters om
              JOIN oms_meters m ON m.id = om.meter_id AND m.power_status = 'off'
              CROSS JOIN LATERAL (
                  SELECT * FROM oms_meter_status_events e
                   WHERE e.meter_id = m.id AND e.applied AND e.new_status = 'off'
                   ORDER BY e.event_timestamp DESC LIMIT 1) e
             WHERE om.outage_event_id = ANY (_inside) AND om.restored_at IS NULL
               AND m.last_power_change > _event_time);
        PERFORM outages_mark_restored(_inside, _event_time,
                                      'Device re-energized (' || _provider || ')');
        PERFORM outages_correlate(_still_off);
    END IF;

    RETURN QUERY
    SELECT m.id, _before ->> m.id::text, m.power_status::text, r.outage_id
      FROM oms_meters m
      LEFT JOIN (SELECT DISTINCT ON (x.meter_id) x.meter_id, x.outage_id
                   FROM unnest(_restored) x ORDER BY x.meter_id, x.outage_id) r
        ON r.meter_id = m.id
     WHERE m.id = ANY (_fed)
     ORDER BY m.id;
END;
$$;
