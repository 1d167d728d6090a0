-- outages_open(_scope text, _devices bigint[], _starts timestamptz[], _severity text,
--              _root_cause text) → (device_id, outage_id, created)
-- The active outage of each device, opened when there is none. "One active outage per device"
-- is guarded by the partial unique index one_active_outage_per_device (ON CONFLICT), never by
-- a check-then-insert.
CREATE OR REPLACE FUNCTION outages_open(_scope text, _devices bigint[], _starts timestamptz[],
                                        _severity text DEFAULT 'medium',
                                        _root_cause text DEFAULT '')
RETURNS TABLE (device_id bigint, outage_id bigint, created boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    _created bigint[];
BEGIN
    WITH wanted AS (
        SELECT DISTINCT ON (w.device) w.device, w.started
          FROM unnest(_devices, _starts) AS w(device, started)
         ORDER BY w.device, w.started
    ),
    opened AS (
        INSERT INTO oms_outage_events AS o
            (event_id, event_type, status, scope, device_id, substation_id, feeder_id, dp_id,
             meter_id, severity, confidence_score, affected_meters_count, restored_meters_count,
             affected_customers_count, first_detected_at, root_cause, description, crew,
             created_at, updated_at)
        SELECT 'OMS-' || to_char(w.started AT TIME ZONE 'UTC', 'YYYYMMDD') || '-'
                   || lpad(nextval('oms_outage_event_seq')::text, 6, '0'),
               'outage', 'detected', _scope, w.device, p.substation_id, p.feeder_id, p.dp_id,
               p.meter_id, coalesce(_severity, 'medium'), 0, 0, 0, 0, w.started,
               coalesce(_root_cause, ''),
               initcap(replace(_scope, 'dp', 'DP')) || ' '
                   || coalesce(p_code.code, w.device::text) || ' out of supply',
               '', now(), now()
          FROM wanted w
         CROSS JOIN LATERAL topology_device_path(_scope, w.device) p
         CROSS JOIN LATERAL (SELECT CASE _scope
                    WHEN 'substation' THEN (SELECT substation_id FROM network_substations WHERE id = w.device)
                    WHEN 'feeder' THEN (SELECT feeder_id FROM network_feeders WHERE id = w.device)
                    WHEN 'dp' THEN (SELECT dp_id FROM network_distribution_points WHERE id = w.device)
                    WHEN 'meter' THEN (SELECT meter_number FROM oms_meters WHERE id = w.device)
                    ELSE (SELECT code FROM network_devices WHERE id = w.device) END AS code
             ) p_code
         WHERE NOT EXISTS (SELECT 1 FROM oms_outage_events a
                            WHERE a.scope = _scope AND a.device_id = w.device
                              AND a.status = ANY (outages_active_statuses()))
        ON CONFLICT (scope, device_id) WHERE status = ANY (outages_active_statuses())
        DO NOTHING
        RETURNING o.id
    )
    SELECT coalesce(array_agg(id), '{}') INTO _created FROM opened;

    IF cardinality(_created) > 0 THEN
        PERFORM outages_log(_created, 'detected', 'Outage detected', NULL);
        PERFORM outages_announce(_created, 'created');
    END IF;

    RETURN QUERY
    SELECT o.device_id, o.id, o.id = ANY (_created)
      FROM oms_outage_events o
     WHERE o.scope = _scope AND o.device_id = ANY (_devices)
       AND o.status = ANY (outages_active_statuses());
END;
$$;
