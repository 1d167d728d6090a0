-- ingest_apply_scada_event(_scada_event_id bigint) → jsonb (the ingest answer)
-- Applies a stored SCADA event to the device it names (ingest_scada_device: deviceId, else the
-- feeder when feederId is given and known, else the substation): loss of voltage de-energizes
-- it, restoration energizes it, its state unchanged. Codes that are neither are 'ignored'; a
-- stale event (CONTRACT §12) is 'stale' and applies nothing; an unknown device leaves the event
-- 'unmatched' (replayable), with a note saying why.
-- A device's status (evidence 'open' / 'closed': open, trip, lockout, close, reclose) is a
-- switching operation, which the ingest door applies through the operators' path
-- (ingest/scada_status.py); here it is left 'unmatched' for that door or a replay.
-- Every meter checked shows in scada_event_affected_meters (a view of the audit trail).
CREATE OR REPLACE FUNCTION ingest_apply_scada_event(_scada_event_id bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    _e scada_events;
    _scope text;
    _device bigint;
    _candidates integer;
    _outage bigint;
    _changed integer;
BEGIN
    SELECT * INTO _e FROM scada_events WHERE id = _scada_event_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown SCADA event: %', _scada_event_id USING ERRCODE = 'no_data_found';
    END IF;
    IF _e.evidence NOT IN ('off', 'on', 'open', 'closed') THEN
        UPDATE scada_events SET processing_status = 'ignored', processed_at = now(), note = ''
         WHERE id = _e.id;
        RETURN ingest_scada_answer(_e.id);
    END IF;
    IF _e.event_timestamp < (SELECT l.stale_before FROM meters_event_time_limits() l) THEN
        UPDATE scada_events SET processing_status = 'stale', processed_at = now(), note = ''
         WHERE id = _e.id;
        RETURN ingest_scada_answer(_e.id);
    END IF;
    IF _e.evidence IN ('open', 'closed') THEN
        UPDATE scada_events
           SET processing_status = 'unmatched', processed_at = NULL,
               note = 'A device status: applied by the ingest API or a replay.'
         WHERE id = _e.id;
        RETURN ingest_scada_answer(_e.id);
    END IF;

    SELECT d.scope, d.device_id, d.candidates INTO _scope, _device, _candidates
      FROM ingest_scada_device(_e.device_kind, _e.device_code, _e.feeder_id, _e.substation_id) d;
    IF _device IS NULL THEN
        -- A feeder or device the registry does not know is never widened to its substation.
        -- Not processed yet (as for every feed): processed_at is set when a replay applies it.
        UPDATE scada_events
           SET processing_status = 'unmatched', processed_at = NULL,
               note = CASE WHEN _candidates > 1
                           THEN 'deviceId ' || _e.device_code || ' names devices of '
                                || _candidates || ' kinds: send deviceType.'
                           ELSE 'Not in the registry.' END
         WHERE id = _e.id;
        RETURN ingest_scada_answer(_e.id);
    END IF;

    SELECT max(c.outage_id),
           count(*) FILTER (WHERE c.previous_status IS DISTINCT FROM c.power_status)
      INTO _outage, _changed
      FROM outages_apply_device_evidence(
          _e.evidence, _scope, _device, 'scada', _e.source_event_id, _e.event_timestamp,
          coalesce(nullif(_e.severity, ''), 'high'),
          'SCADA Event: ' || _e.substation_id || ' / ' || coalesce(nullif(_e.feeder_id, ''), 'N/A')
          || CASE WHEN _e.device_code <> '' THEN ' / ' || _scope || ' ' || _e.device_code
                  ELSE '' END) c;
    UPDATE scada_events
       SET processing_status = 'processed', meters_checked = true, processed_at = now(),
           affected_meter_count = _changed, outage_event_id = _outage, note = ''
     WHERE id = _e.id;
    RETURN ingest_scada_answer(_e.id);
END;
$$;
