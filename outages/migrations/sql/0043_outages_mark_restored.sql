-- outages_mark_restored(_ids bigint[], _at timestamptz, _reason text) → void
-- Restores active outages: meters still linked without a restore time and inferred off are
-- set on (the engine's own evidence, unless newer evidence stands) and their links closed at
-- the restoration time; the outage becomes 'restored' with actual_restoration_time, and
-- 'momentary' when restored within momentary_max_minutes of its start (IEEE 1366).
-- The restoration time is when the device came back: _at when the caller knows it (SCADA,
-- switching, an operator); with _at NULL, from the meters' own evidence: the median restore
-- time of the last restoration step (the links restored within restoration_step_minutes,
-- default 5, of the last one). Meters below one device regain power together and report it
-- with their own delays and clocks, so the median is what no straggler, retransmission or
-- skewed clock moves. No link stays restored after the outage's restoration time: a meter is
-- back when its device is.
-- Meters behind a device that is still open (their section is not energized) are not back:
-- they stay off, their link to this outage ends at its restoration, and an outage stands at
-- the open device nearest the feeder's head from then on (each customer's interruption counted
-- once; the feeder itself when its breaker is open, whatever is open below it).
CREATE OR REPLACE FUNCTION outages_mark_restored(_ids bigint[], _at timestamptz, _reason text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    _momentary interval := outages_rule('momentary_max_minutes', 5) * interval '1 minute';
    _step interval := outages_rule('restoration_step_minutes', 5) * interval '1 minute';
    _targets bigint[];
    _times timestamptz[];
    _cut_links bigint[];  -- ids of the links of meters still behind an open device
    _cut record;
BEGIN
    SELECT coalesce(array_agg(o.id ORDER BY o.id), '{}'),
           coalesce(array_agg(coalesce(_at, (
               SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY om.restored_at)
                 FROM oms_outage_meters om
                WHERE om.outage_event_id = o.id AND om.restored_at > l.last - _step), now())
                              ORDER BY o.id), '{}')
      INTO _targets, _times
      FROM oms_outage_events o
      CROSS JOIN LATERAL (SELECT max(om.restored_at) AS last FROM oms_outage_meters om
                           WHERE om.outage_event_id = o.id) l
     WHERE o.id = ANY (_ids) AND o.status = ANY (outages_active_statuses());
    IF cardinality(_targets) = 0 THEN
        RETURN;
    END IF;
    _cut_links := ARRAY(
        SELECT om.id
          FROM unnest(_targets) AS r(id)
          JOIN oms_outage_meters om ON om.outage_event_id = r.id AND om.restored_at IS NULL
          JOIN oms_meters m ON m.id = om.meter_id AND m.power_status = 'off'
          JOIN network_distribution_points d ON d.id = m.dp_id
          JOIN network_sections s ON s.id = d.section_id AND NOT s.energized);

    PERFORM meters_record_power_evidence(ARRAY(
        SELECT ROW(om.meter_id, 'on', r.at, 'oms', o.event_id || '/restored', 'inferred_restore',
                   NULL)::oms_evidence
          FROM unnest(_targets, _times) AS r(id, at)
          JOIN oms_outage_events o ON o.id = r.id
          JOIN oms_outage_meters om ON om.outage_event_id = r.id
          JOIN oms_meters m ON m.id = om.meter_id
         WHERE om.restored_at IS NULL AND om.inferred AND m.power_status = 'off'
           AND NOT om.id = ANY (_cut_links)));

    UPDATE oms_outage_meters om SET restored_at = r.at
      FROM unnest(_targets, _times) AS r(id, at), oms_meters m
     WHERE om.outage_event_id = r.id AND m.id = om.meter_id
       AND ((om.restored_at IS NULL AND (m.power_status = 'on' OR om.id = ANY (_cut_links)))
            OR (om.restored_at > r.at AND om.off_at <= r.at));

    UPDATE oms_outage_events o
       SET status = 'restored', actual_restoration_time = r.at,
           event_type = CASE WHEN o.event_type = 'outage'
                                  AND r.at - o.first_detected_at <= _momentary
                             THEN 'momentary' ELSE o.event_type END,
           restored_meters_count = (SELECT count(*) FROM oms_outage_meters om
                                     WHERE om.outage_event_id = o.id
                                       AND om.restored_at IS NOT NULL),
           updated_at = now()
      FROM unnest(_targets, _times) AS r(id, at)
     WHERE o.id = r.id;

    INSERT INTO oms_event_timeline
        (outage_event_id, event_type, status, description, actor, metadata, event_timestamp,
         created_at)
    SELECT r.id, 'restored', 'restored', _reason, 'engine', '{}'::jsonb, r.at, now()
      FROM unnest(_targets, _times) AS r(id, at);
    PERFORM outages_announce(_targets, 'restored');

    -- From the restoration on, the open device nearest the head holds what it cuts off.
    FOR _cut IN
        SELECT c.scope, array_agg(c.device_id) AS devices, array_agg(c.at) AS starts
          FROM (SELECT DISTINCT ON (u.scope, u.device_id) u.scope, u.device_id, u.at
                  FROM (SELECT CASE WHEN f.id IS NOT NULL THEN 'feeder' ELSE v.kind END AS scope,
                               coalesce(f.id, v.id) AS device_id, om.restored_at AS at
                          FROM oms_outage_meters om
                          JOIN oms_meters m ON m.id = om.meter_id
                          JOIN network_distribution_points d ON d.id = m.dp_id
                          JOIN network_sections s ON s.id = d.section_id
                          LEFT JOIN LATERAL (
                              SELECT x.kind, x.id FROM unnest(s.path) WITH ORDINALITY AS p(id, n)
                                JOIN network_devices x ON x.id = p.id AND x.state = 'open'
                               ORDER BY p.n LIMIT 1) v ON true
                          LEFT JOIN network_feeders f ON f.id = s.feeder_id AND f.state = 'open'
                         WHERE om.id = ANY (_cut_links)) u
                 WHERE u.device_id IS NOT NULL
                 ORDER BY u.scope, u.device_id, u.at) c
         GROUP BY c.scope
    LOOP
        PERFORM outages_stand_at(_cut.scope, _cut.devices, _cut.starts, 'medium');
    END LOOP;
END;
$$;
