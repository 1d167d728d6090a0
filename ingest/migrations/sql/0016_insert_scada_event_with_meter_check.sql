-- insert_scada_event_with_meter_check(p_event jsonb) → jsonb
-- The seed's SCADA door (the REST ingest calls it too): takes the feed's event, bare or in its
-- Kafka envelope ({"event": {...}}), classifies it with ingest_vocabulary (eventType, then
-- alarmType), stores it once under its natural key (eventId, else substation, feeder, the
-- device when deviceId is sent, event type, alarm type and timestamp; a key longer than
-- source_event_id's 300 characters is cut and ends with its md5) and applies it. A re-delivery applies nothing and answers
-- the stored result with "duplicate": true. Missing or malformed fields raise
-- invalid_parameter_value naming the field; a timestamp outside the limits of CONTRACT §12
-- raises datetime_field_overflow (meters_check_event_times). scada_events is partitioned by month on the event
-- time, so its unique key is (source_event_id, event_timestamp): a key already stored at any
-- time is a re-delivery, and the unique key settles two first deliveries racing each other.
CREATE OR REPLACE FUNCTION insert_scada_event_with_meter_check(p_event jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    _e jsonb := CASE WHEN jsonb_typeof(p_event -> 'event') = 'object' THEN p_event -> 'event'
                     ELSE p_event END;
    _at timestamptz;
    _key text;
    _id bigint;
    _evidence text;
    _kind text := lower(nullif(btrim(_e ->> 'deviceType'), ''));
    _code text := nullif(btrim(_e ->> 'deviceId'), '');
BEGIN
    IF jsonb_typeof(_e) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'SCADA event: expected a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(btrim(_e ->> 'substationId'), '') = '' THEN
        RAISE EXCEPTION 'SCADA event: substationId is required' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(_e ->> 'eventType', _e ->> 'alarmType') IS NULL THEN
        RAISE EXCEPTION 'SCADA event: eventType or alarmType is required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF _kind IS NOT NULL AND _kind NOT IN ('feeder', 'recloser', 'sectionalizer', 'switch', 'fuse')
    THEN
        RAISE EXCEPTION 'SCADA event: deviceType % is not a device kind', _kind
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'deviceType';
    END IF;
    IF _e ? 'deviceId' AND (_code IS NULL OR length(_code) > 100) THEN
        RAISE EXCEPTION 'SCADA event: deviceId must be a code of 1 to 100 characters'
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'deviceId';
    END IF;
    BEGIN
        _at := (_e ->> 'timestamp')::timestamptz;
    EXCEPTION WHEN others THEN
        RAISE EXCEPTION 'SCADA event: timestamp % is not a valid time', _e ->> 'timestamp'
            USING ERRCODE = 'invalid_parameter_value';
    END;
    IF _at IS NULL THEN
        RAISE EXCEPTION 'SCADA event: timestamp is required' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM meters_check_event_times(ARRAY[_at], 'timestamp');

    _evidence := coalesce(ingest_vocabulary_evidence('scada', 'eventType', _e ->> 'eventType'),
                          ingest_vocabulary_evidence('scada', 'alarmType', _e ->> 'alarmType'),
                          'none');
    _key := coalesce(nullif(_e ->> 'eventId', ''),
                     concat_ws('|', _e ->> 'substationId', coalesce(_e ->> 'feederId', ''),
                               coalesce(_kind, '') || ':' || _code,
                               _e ->> 'eventType', _e ->> 'alarmType',
                               to_char(_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')));
    IF length(_key) > 300 THEN
        _key := left(_key, 267) || '#' || md5(_key);
    END IF;

    SELECT id INTO _id FROM scada_events WHERE source_event_id = _key ORDER BY id LIMIT 1;
    IF _id IS NOT NULL THEN
        RETURN ingest_scada_answer(_id) || '{"duplicate": true}'::jsonb;
    END IF;

    INSERT INTO scada_events AS s
        (source_event_id, event_timestamp, evidence, processing_status, raw_payload, received_at,
         event_type, alarm_type, substation_id, feeder_id, main_station_id, voltage, severity,
         reason, latitude, longitude, meters_checked, affected_meter_count, device_kind,
         device_code, note)
    VALUES (_key, _at, _evidence, 'unmatched', p_event, now(),
            coalesce(_e ->> 'eventType', ''), coalesce(_e ->> 'alarmType', ''),
            btrim(_e ->> 'substationId'), coalesce(btrim(_e ->> 'feederId'), ''),
            coalesce(_e ->> 'mainStationId', ''),
            CASE WHEN jsonb_typeof(_e -> 'voltage') = 'number' THEN (_e ->> 'voltage')::float END,
            ingest_normalized_severity(_e ->> 'severity'), coalesce(_e ->> 'reason', ''),
            CASE WHEN jsonb_typeof(_e #> '{coordinates,lat}') = 'number'
                 THEN (_e #>> '{coordinates,lat}')::float END,
            CASE WHEN jsonb_typeof(_e #> '{coordinates,lng}') = 'number'
                 THEN (_e #>> '{coordinates,lng}')::float END,
            false, 0, coalesce(_kind, ''), coalesce(_code, ''), '')
    ON CONFLICT (source_event_id, event_timestamp) DO NOTHING
    RETURNING s.id INTO _id;

    IF _id IS NULL THEN
        SELECT id INTO _id FROM scada_events WHERE source_event_id = _key AND event_timestamp = _at;
        RETURN ingest_scada_answer(_id) || '{"duplicate": true}'::jsonb;
    END IF;
    RETURN ingest_apply_scada_event(_id);
END;
$$;
