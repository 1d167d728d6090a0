-- update_meter_status(p_meter_number, p_new_status, p_event_type, p_source_type,
--                     p_source_event_id, p_event_timestamp, p_metadata) → boolean
-- The seed's per-meter door into the engine. Power evidence ('on' | 'off') runs the same
-- correlation as the REST ingest. 'unknown' is no evidence about power: it is recorded in the
-- audit trail (applied = false) and changes nothing, so it never takes a meter out of an
-- outage or off the online count. 'online' | 'offline' set the communication status by event
-- time (stale communication never makes a meter off).
-- Returns true when the meter's state changed. Raises no_data_found for an unknown meter,
-- invalid_parameter_value for an unknown status or source type, and datetime_field_overflow
-- for an event time outside the limits of CONTRACT §12 (a stale one is recorded, not applied).
CREATE OR REPLACE FUNCTION update_meter_status(
    p_meter_number text,
    p_new_status text,
    p_event_type text DEFAULT NULL,
    p_source_type text DEFAULT 'operator',
    p_source_event_id text DEFAULT NULL,
    p_event_timestamp timestamptz DEFAULT now(),
    p_metadata jsonb DEFAULT '{}'::jsonb
) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    _meter bigint;
    _status text := lower(p_new_status);
    _source text := lower(coalesce(p_source_type, 'operator'));
    _event_id text;
    _changed boolean;
BEGIN
    SELECT id INTO _meter FROM oms_meters WHERE meter_number = p_meter_number;
    IF _meter IS NULL THEN
        RAISE EXCEPTION 'unknown meter: %', p_meter_number USING ERRCODE = 'no_data_found';
    END IF;
    IF _source NOT IN ('scada', 'onu', 'kaifa', 'call_center', 'oms', 'operator') THEN
        RAISE EXCEPTION 'unknown source type: %', p_source_type
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM meters_check_event_times(ARRAY[p_event_timestamp], 'p_event_timestamp');
    _event_id := coalesce(p_source_event_id,
                          md5(concat_ws('|', p_meter_number, _status, p_event_type, p_event_timestamp)));

    IF _status IN ('online', 'offline') THEN
        UPDATE oms_meters
           SET communication_status = _status,
               last_communication = greatest(last_communication, p_event_timestamp),
               updated_at = now()
         WHERE id = _meter
           AND (last_communication IS NULL OR last_communication <= p_event_timestamp);
        RETURN FOUND;
    ELSIF _status = 'unknown' THEN
        INSERT INTO oms_meter_status_events
            (meter_id, event_type, previous_status, new_status, source_type, source_event_id,
             event_timestamp, applied, confidence_score, metadata, created_at)
        SELECT m.id, coalesce(p_event_type, 'status_unknown'), m.power_status, 'unknown', _source,
               _event_id, p_event_timestamp, false, least(outages_weight(_source), 1),
               coalesce(p_metadata, '{}'::jsonb), now()
          FROM oms_meters m WHERE m.id = _meter
        ON CONFLICT (meter_id, source_type, source_event_id, event_timestamp) DO NOTHING;
        RETURN false;
    ELSIF _status IN ('on', 'off') THEN
        SELECT count(*) > 0 INTO _changed
          FROM jsonb_array_elements(outages_apply_meter_evidence(jsonb_build_array(jsonb_build_object(
                   'meter_id', _meter, 'evidence', _status, 'event_time', p_event_timestamp,
                   'provider', _source, 'source_event_id', _event_id,
                   'event_type', coalesce(p_event_type, 'power_' || _status))))) r
         WHERE (r->>'applied')::boolean;
        RETURN _changed;
    END IF;
    RAISE EXCEPTION 'unknown status: % (on, off, unknown, online, offline)', p_new_status
        USING ERRCODE = 'invalid_parameter_value';
END;
$$;
