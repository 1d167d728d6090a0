-- process_scada_event_meters(p_scada_event_id, p_substation_id, p_feeder_id, p_event_timestamp)
--   → (total_meters, offline_meters, online_meters, unknown_meters, outage_event_id)
-- The seed's step "check the meters of a SCADA event". When p_scada_event_id names a stored
-- SCADA event (its id or natural key) that event is applied (once); otherwise the call is
-- itself loss-of-voltage evidence at the feeder (or, without one, the substation), keyed by
-- p_scada_event_id. Counts are by power status after the call. Raises no_data_found for an
-- unknown substation or feeder.
CREATE OR REPLACE FUNCTION process_scada_event_meters(
    p_scada_event_id text, p_substation_id text, p_feeder_id text DEFAULT NULL,
    p_event_timestamp timestamptz DEFAULT now())
RETURNS TABLE (total_meters integer, offline_meters integer, online_meters integer,
               unknown_meters integer, outage_event_id bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    _stored scada_events;
    _scope text := CASE WHEN nullif(p_feeder_id, '') IS NULL THEN 'substation' ELSE 'feeder' END;
    _device bigint;
BEGIN
    SELECT * INTO _stored FROM scada_events
     WHERE source_event_id = p_scada_event_id OR id::text = p_scada_event_id
     ORDER BY id LIMIT 1;
    IF FOUND THEN
        IF _stored.processing_status = 'unmatched' THEN
            PERFORM ingest_apply_scada_event(_stored.id);
        END IF;
        RETURN QUERY
        SELECT count(*)::integer,
               count(*) FILTER (WHERE a.power_status_after = 'off')::integer,
               count(*) FILTER (WHERE a.power_status_after = 'on')::integer,
               count(*) FILTER (WHERE a.power_status_after = 'unknown')::integer,
               (SELECT s.outage_event_id FROM scada_events s WHERE s.id = _stored.id)
          FROM scada_event_affected_meters a WHERE a.scada_event_id = _stored.id;
        RETURN;
    END IF;

    _device := topology_device_id(_scope, coalesce(nullif(p_feeder_id, ''), p_substation_id));
    IF _device IS NULL THEN
        RAISE EXCEPTION 'unknown %: %', _scope, coalesce(nullif(p_feeder_id, ''), p_substation_id)
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN QUERY
    SELECT count(*)::integer,
           count(*) FILTER (WHERE c.power_status = 'off')::integer,
           count(*) FILTER (WHERE c.power_status = 'on')::integer,
           count(*) FILTER (WHERE c.power_status = 'unknown')::integer,
           max(c.outage_id)
      FROM outages_apply_device_evidence(
          'off', _scope, _device, 'scada', p_scada_event_id, p_event_timestamp, 'high',
          'SCADA Event: ' || p_substation_id || ' / ' || coalesce(nullif(p_feeder_id, ''), 'N/A')) c;
END;
$$;
