-- outages_apply_device_evidence(_evidence, _scope, _device_id, _provider, _source_event_id,
--                               _event_time, _severity, _root_cause, _operated)
--   → (meter_id, previous_status, power_status, outage_id) per meter fed from the device
-- The engine's door for device-level evidence: 'off' de-energizes the device, 'on' energizes it.
-- _operated: the device itself opened then (its SCADA status, an operator's act), so outages
-- older than that are faults of their own (outages_de_energize_device).
-- Event times outside the limits of CONTRACT §12 are refused; stale evidence (older than
-- stale_before) changes nothing and returns no row (its caller records it as stale).
CREATE OR REPLACE FUNCTION outages_apply_device_evidence(
    _evidence text, _scope text, _device_id bigint, _provider text, _source_event_id text,
    _event_time timestamptz, _severity text DEFAULT 'high', _root_cause text DEFAULT '',
    _operated boolean DEFAULT false)
RETURNS TABLE (meter_id bigint, previous_status text, power_status text, outage_id bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    PERFORM meters_check_event_times(ARRAY[_event_time], 'event_time');
    IF _event_time < (SELECT l.stale_before FROM meters_event_time_limits() l) THEN
        RETURN;
    END IF;
    IF _evidence = 'off' THEN
        RETURN QUERY SELECT * FROM outages_de_energize_device(
            _scope, _device_id, _provider, _source_event_id, _event_time, _severity, _root_cause,
            _operated);
    ELSIF _evidence = 'on' THEN
        RETURN QUERY SELECT * FROM outages_energize_device(
            _scope, _device_id, _provider, _source_event_id, _event_time);
    ELSE
        RAISE EXCEPTION 'device evidence must be off or on, not %', _evidence
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END;
$$;
