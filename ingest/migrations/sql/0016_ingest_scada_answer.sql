-- ingest_scada_answer(_scada_event_id bigint) → jsonb
-- The ingest answer of a stored SCADA event (CONTRACT §4 plus the seed's keys), derived from
-- what was stored, so a re-delivery gets the same body; an event naming a device (deviceId, or
-- a status applied to a feeder's breaker) also carries `device` {kind, code}, and `note` says
-- why an event was not applied or changed nothing ('' otherwise). STABLE.
CREATE OR REPLACE FUNCTION ingest_scada_answer(_scada_event_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'provider', 'scada',
        'source_event_id', e.source_event_id,
        'duplicate', false,
        'status', e.processing_status,
        'meters', jsonb_build_object('total', c.total, 'off', c.off, 'on', c.on_,
                                     'unknown', c.unknown),
        'outage_event_id', o.event_id,
        'outage_event_ids', CASE WHEN o.event_id IS NULL THEN '[]'::jsonb
                                 ELSE jsonb_build_array(o.event_id) END,
        'scada_event_id', e.id,
        'meters_checked', e.meters_checked,
        'total_meters', c.total,
        'offline_meters', c.off,
        'online_meters', c.on_,
        'unknown_meters', c.unknown,
        'device', CASE WHEN e.device_code <> ''
                       THEN jsonb_build_object('kind', nullif(e.device_kind, ''),
                                               'code', e.device_code) END,
        'note', e.note)
      FROM scada_events e
      LEFT JOIN oms_outage_events o ON o.id = e.outage_event_id
      CROSS JOIN LATERAL (
          SELECT count(*) AS total,
                 count(*) FILTER (WHERE a.power_status_after = 'off') AS off,
                 count(*) FILTER (WHERE a.power_status_after = 'on') AS on_,
                 count(*) FILTER (WHERE a.power_status_after = 'unknown') AS unknown
            FROM scada_event_affected_meters a WHERE a.scada_event_id = e.id) c
     WHERE e.id = _scada_event_id
$$;
