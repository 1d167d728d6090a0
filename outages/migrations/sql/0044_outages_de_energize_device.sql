-- outages_de_energize_device(_scope, _device_id, _provider, _source_event_id, _event_time,
--                            _severity, _root_cause, _operated)
--   → (meter_id, previous_status, power_status, outage_id) per meter fed from the device
-- Loss of voltage at a device (SCADA): every active meter fed from it in an energized section
-- is set off unless it has power-on evidence newer than the event; an outage stands at the
-- device (or the active outage of a device above it, the broadest, absorbs the event),
-- absorbing the outages inside the device (those at DPs, meters and in-line devices below it);
-- when the device itself opened (_operated), not those that started more than
-- nested_margin_seconds before (faults of their own, nested below it); never those of
-- telemetered devices below that are open as operated (nested: a lockout below a breaker that
-- trips after it stays the recloser's outage, with its customers). A late
-- event whose meters all have newer evidence opens nothing.
-- A trip after a reclose (SCADA, not an operator's opening) continues the interruption: the
-- device's momentary restored within momentary_max_minutes before it is absorbed, so trip,
-- reclose, trip … lockout is one sustained outage at the device from the first trip (IEEE 1366:
-- the momentaries of a reclosing sequence that ends in lockout are not counted apart).
-- An operator's opening (provider 'operator': a planned outage) de-energizes what was in: an
-- outage already standing inside the device on its own (outages_independent: a transformer or
-- fuse that failed while its supply was in) keeps its meters and is not absorbed, nor is it
-- ended by the closing (outages_energize_device). A trip or a loss of voltage still absorbs
-- what stands inside.
CREATE OR REPLACE FUNCTION outages_de_energize_device(
    _scope text, _device_id bigint, _provider text, _source_event_id text,
    _event_time timestamptz, _severity text DEFAULT 'high', _root_cause text DEFAULT '',
    _operated boolean DEFAULT false)
RETURNS TABLE (meter_id bigint, previous_status text, power_status text, outage_id bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    _meters bigint[];
    _path record;
    _above bigint[];
    _outage bigint;
    _affected bigint[];
    _recorded bigint[];
    _previous text[];
    _applied boolean[];
    _window interval := outages_rule('rollup_window_minutes', 15) * interval '1 minute';
    _momentary interval := outages_rule('momentary_max_minutes', 5) * interval '1 minute';
    _standing bigint[] := '{}';
    _margin interval := outages_rule('nested_margin_seconds', 10) * interval '1 second';
    _skew interval := outages_rule('max_clock_skew_minutes', 5) * interval '1 minute';
BEGIN
    -- What the device cuts off: its meters in energized sections (those behind a device that
    -- is already open are out by that device, whose outage holds them).
    _meters := ARRAY(
        SELECT m.id FROM oms_meters m
          LEFT JOIN network_distribution_points d ON d.id = m.dp_id
          LEFT JOIN network_sections s ON s.id = d.section_id
         WHERE m.id = ANY (topology_device_meter_ids(_scope, _device_id))
           AND coalesce(s.energized, true)
         ORDER BY m.id);
    SELECT * INTO _path FROM topology_device_path(_scope, _device_id);
    -- The in-line devices above it, from the feeder's head down.
    _above := coalesce(CASE
        WHEN _scope IN ('recloser', 'sectionalizer', 'switch', 'fuse') THEN
            (SELECT s.path FROM network_devices v
               JOIN network_sections s ON s.id = v.upstream_section_id WHERE v.id = _device_id)
        WHEN _scope IN ('dp', 'meter') THEN
            (SELECT s.path FROM network_distribution_points d
               JOIN network_sections s ON s.id = d.section_id WHERE d.id = _path.dp_id) END,
        '{}');
    PERFORM outages_lock_feeders(CASE _scope
        WHEN 'substation' THEN ARRAY(SELECT id FROM network_feeders WHERE substation_id = _device_id)
        ELSE ARRAY[_path.feeder_id] END);
    -- Affected: the meters this event turned off, and those already off on newer evidence
    -- (e.g. last gasps that arrived before the trip): a row recorded but not applied is older
    -- than its meter's last change, and its previous status is the meter's status now. Meters
    -- whose row was recorded before (a re-delivery) are looked up.
    -- One sort for the three arrays (an ORDER BY in each aggregate sorts the rows thrice).
    SELECT coalesce(array_agg(p.meter_id), '{}'), coalesce(array_agg(p.previous_status), '{}'),
           coalesce(array_agg(p.applied), '{}')
      INTO _recorded, _previous, _applied
      FROM (SELECT r.meter_id, r.previous_status, r.applied
              FROM meters_record_power_evidence(ARRAY(
                  SELECT ROW(m, 'off', _event_time, _provider, _source_event_id,
                             'loss_of_voltage', NULL)::oms_evidence FROM unnest(_meters) m)) r
             ORDER BY r.meter_id) p;
    _affected := ARRAY(SELECT r.id FROM unnest(_recorded, _previous, _applied) r(id, previous, applied)
                        WHERE r.applied OR r.previous = 'off' ORDER BY r.id);
    IF cardinality(_recorded) < cardinality(_meters) THEN
        _affected := ARRAY(
            SELECT a.id FROM unnest(_affected) a(id)
            UNION
            SELECT m.id FROM oms_meters m
             WHERE m.id = ANY (_meters) AND m.power_status = 'off'
               AND m.last_power_change > _event_time
            ORDER BY 1);
    END IF;

    -- An operator's opening: outages standing inside on their own keep their meters.
    IF _provider = 'operator' THEN
        _standing := outages_independent(outages_inside(_scope, _device_id), _event_time);
    END IF;
    IF cardinality(_standing) > 0 THEN
        _affected := ARRAY(
            SELECT a.id FROM unnest(_affected) a(id)
             WHERE NOT EXISTS (SELECT 1 FROM oms_outage_meters om
                                WHERE om.outage_event_id = ANY (_standing)
                                  AND om.meter_id = a.id AND om.restored_at IS NULL)
             ORDER BY a.id);
    END IF;

    IF cardinality(_affected) > 0 OR cardinality(_meters) = 0 THEN
        SELECT o.id INTO _outage FROM oms_outage_events o
         WHERE o.status = ANY (outages_active_statuses())
           AND ((o.scope = 'substation' AND o.device_id = _path.substation_id)
             OR (o.scope = 'feeder' AND o.device_id = _path.feeder_id AND _scope NOT IN ('substation', 'feeder'))
             OR (o.scope = 'dp' AND o.device_id = _path.dp_id AND _scope = 'meter')
             -- an in-line device above this device (or above this DP or meter's DP)
             OR (o.scope IN ('recloser', 'sectionalizer', 'switch', 'fuse')
                 AND _scope NOT IN ('substation', 'feeder')
                 AND o.device_id = ANY (_above)))
         ORDER BY array_position(ARRAY['substation', 'feeder'], o.scope::text) NULLS LAST,
                  array_position(_above, o.device_id)
         LIMIT 1;
        IF _outage IS NULL THEN
            SELECT o.outage_id INTO _outage
              FROM outages_open(_scope, ARRAY[_device_id], ARRAY[_event_time], _severity,
                                _root_cause) o;
            -- The outages inside the device are this one: active ones, and ones already
            -- restored by meters' own evidence that arrived before this event (a blip whose
            -- last gasps and power-ups came first). When the device itself opened
            -- (_operated: its SCADA status or an operator's act, dated when it opened), an
            -- outage that started more than nested_margin_seconds before, told of by two
            -- messages or more (gasps, calls), most of them dated before that too, is a fault
            -- of its own the opening found out already: it stays, nested below this one, and
            -- outlives its re-energization (outages_energize_device). A message dated later
            -- (a clock off within the skew allowed, a late retransmission) does not make it
            -- this device's, as meters already dark cannot gasp at its opening; one message
            -- alone dated before it, by less than clocks may be off (max_clock_skew_minutes),
            -- is more likely a clock off than a fault of its own: it is absorbed. A
            -- loss-of-voltage alarm may be raised after the meters' evidence: it absorbs them
            -- all.
            PERFORM outages_merge(_outage, ARRAY(
                -- The device's own momentary of this reclosing sequence.
                SELECT o.id FROM oms_outage_events o
                 WHERE o.scope = _scope AND o.device_id = _device_id AND o.id <> _outage
                   AND _provider <> 'operator'
                   AND o.status = 'restored' AND o.event_type = 'momentary'
                   AND o.actual_restoration_time BETWEEN _event_time - _momentary
                                                     AND _event_time
                UNION ALL
                SELECT o.id FROM oms_outage_events o
                 WHERE o.id <> _outage AND NOT o.id = ANY (_standing)
                   -- the outage of a telemetered device below that is open as operated (a
                   -- recloser that locked out first) is its own fact: it stands, nested
                   AND NOT EXISTS (SELECT 1 FROM network_devices v
                                    WHERE o.scope IN ('recloser', 'sectionalizer', 'switch', 'fuse')
                                      AND v.id = o.device_id AND v.state = 'open' AND v.telemetered
                                      AND o.status = ANY (outages_active_statuses()))
                   AND ((o.status = ANY (outages_active_statuses())
                         AND (NOT _operated OR o.first_detected_at >= _event_time - _margin
                              OR (o.first_detected_at > _event_time - _skew
                                  AND (SELECT count(*) < 2
                                              OR 2 * count(*) FILTER (
                                                     WHERE s.event_timestamp < _event_time - _margin)
                                                 <= count(*)
                                         FROM oms_event_sources s
                                        WHERE s.outage_event_id = o.id
                                          AND s.source_type <> 'oms'))))
                        OR (o.status = 'restored' AND o.actual_restoration_time >= _event_time
                            AND o.first_detected_at >= _event_time - _window))
                   AND CASE _scope
                       WHEN 'substation' THEN o.substation_id = _device_id
                                              AND o.scope <> 'substation'
                       WHEN 'feeder' THEN o.feeder_id = _device_id
                                          AND o.scope NOT IN ('substation', 'feeder')
                       WHEN 'dp' THEN o.dp_id = _device_id AND o.scope = 'meter'
                       WHEN 'meter' THEN false
                       -- an in-line device: the outages of the DPs it feeds and of the
                       -- devices below it
                       ELSE (o.scope IN ('dp', 'meter') AND o.dp_id IN (
                                SELECT d.id FROM network_sections s
                                  JOIN network_distribution_points d ON d.section_id = s.id
                                 WHERE s.path @> ARRAY[_device_id]))
                         OR (o.scope IN ('recloser', 'sectionalizer', 'switch', 'fuse')
                             AND o.device_id IN (
                                SELECT v.id FROM network_devices v
                                  JOIN network_sections s ON s.id = v.upstream_section_id
                                 WHERE s.path @> ARRAY[_device_id])) END));
        END IF;
        UPDATE oms_outage_events o
           SET root_cause = CASE WHEN o.root_cause = '' THEN coalesce(_root_cause, '')
                                 ELSE o.root_cause END,
               severity = CASE WHEN array_position(ARRAY['low', 'medium', 'high', 'critical'], _severity)
                                    > array_position(ARRAY['low', 'medium', 'high', 'critical'], o.severity::text)
                               THEN _severity ELSE o.severity END
         WHERE o.id = _outage;
        PERFORM outages_add_sources(ARRAY[ROW(NULL, 'off', _event_time, _provider,
                                              _source_event_id, 'loss_of_voltage',
                                              _outage)::oms_evidence]);
        -- Evidence at this device: a fact for its own outage, not for one above that absorbs it.
        UPDATE oms_event_sources s SET device_scope = _scope, device_id = _device_id
         WHERE s.outage_event_id = _outage AND s.source_type = _provider
           AND s.source_event_id = _source_event_id;
        PERFORM outages_link_meters(ARRAY(
            SELECT ROW(m, 'off', _event_time, _provider, _source_event_id, 'loss_of_voltage',
                       _outage)::oms_evidence FROM unnest(_affected) m), false);
        PERFORM outages_refresh(ARRAY[_outage]);
    END IF;

    -- Every meter has its recorded row (nothing below changes a meter's status): the answer
    -- comes from those rows; after a re-delivery, from the meters.
    IF cardinality(_recorded) = cardinality(_meters) THEN
        RETURN QUERY
        SELECT r.id, r.previous, CASE WHEN r.applied THEN 'off' ELSE r.previous END,
               CASE WHEN r.id = ANY (_affected) THEN _outage END
          FROM unnest(_recorded, _previous, _applied) r(id, previous, applied)
         ORDER BY r.id;
    ELSE
        RETURN QUERY
        SELECT m.id, coalesce(r.previous, m.power_status::text), m.power_status::text,
               CASE WHEN a.id IS NOT NULL THEN _outage END
          FROM oms_meters m
          LEFT JOIN unnest(_recorded, _previous, _applied) r(id, previous, applied)
            ON r.id = m.id AND r.applied
          LEFT JOIN unnest(_affected) AS a(id) ON a.id = m.id
         WHERE m.id = ANY (_meters)
         ORDER BY m.id;
    END IF;
END;
$$;
