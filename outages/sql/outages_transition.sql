-- outages_transition(_event_id, _status, _actor, _note, _etr, _crew) → jsonb (the outage row)
-- An operator moves an outage along its lifecycle:
--   detected → confirmed → in_progress → restored → cleared, and cancelled from any active one.
-- _status NULL (or the current status) only records the note, ETR and crew. Every change is a
-- timeline entry. Raises no_data_found for an unknown outage and SQLSTATE 'OM409' for an
-- illegal transition. A manual restore puts the outage's meters back on (operator evidence).
CREATE OR REPLACE FUNCTION outages_transition(_event_id text, _status text, _actor text,
                                              _note text DEFAULT '',
                                              _etr timestamptz DEFAULT NULL,
                                              _crew text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    _o oms_outage_events;
    _next text := nullif(lower(_status), '');
    _legal jsonb := '{"detected": ["confirmed", "cancelled"],
                      "confirmed": ["in_progress", "cancelled"],
                      "in_progress": ["restored", "cancelled"],
                      "restored": ["cleared"]}';
    _summary text;
BEGIN
    SELECT * INTO _o FROM oms_outage_events WHERE event_id = _event_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown outage: %', _event_id USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM outages_lock_feeders(ARRAY[_o.feeder_id]);
    SELECT * INTO _o FROM oms_outage_events WHERE id = _o.id FOR UPDATE;

    IF _next = _o.status THEN
        _next := NULL;
    END IF;
    IF _next IS NOT NULL AND NOT coalesce(_legal -> _o.status::text ? _next, false) THEN
        RAISE EXCEPTION 'illegal transition of % from % to %', _event_id, _o.status, _next
            USING ERRCODE = 'OM409';
    END IF;
    IF _next IS NULL AND _o.status <> ALL (outages_active_statuses() || 'restored'::text) THEN
        RAISE EXCEPTION 'outage % is %; it can no longer change', _event_id, _o.status
            USING ERRCODE = 'OM409';
    END IF;

    UPDATE oms_outage_events
       SET estimated_restoration_time = coalesce(_etr, estimated_restoration_time),
           crew = coalesce(_crew, crew), updated_at = now()
     WHERE id = _o.id;

    IF _next = 'restored' THEN
        PERFORM meters_record_power_evidence(ARRAY(
            SELECT ROW(om.meter_id, 'on', now(), 'operator', _event_id || '/restored',
                       'operator_restore', NULL)::oms_evidence
              FROM oms_outage_meters om WHERE om.outage_event_id = _o.id
               AND om.restored_at IS NULL));
        PERFORM outages_mark_restored(ARRAY[_o.id], now(), 'Restored by ' || _actor);
    ELSIF _next IS NOT NULL THEN
        UPDATE oms_outage_events SET status = _next, updated_at = now() WHERE id = _o.id;
        -- An operator's confirmation is a fact for the confidence (outages_confidence).
        PERFORM outages_refresh(ARRAY[_o.id]);
    END IF;

    _summary := concat_ws('; ',
        CASE WHEN _next IS NOT NULL THEN 'Status ' || _o.status || ' → ' || _next END,
        CASE WHEN _etr IS NOT NULL THEN 'ETR ' || to_char(_etr AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') END,
        CASE WHEN _crew IS NOT NULL THEN 'Crew ' || _crew END,
        nullif(_note, ''));
    INSERT INTO oms_event_timeline
        (outage_event_id, event_type, status, description, actor, metadata, event_timestamp,
         created_at)
    SELECT o.id, CASE WHEN _next IS NULL THEN 'note' ELSE 'status_change' END, o.status,
           coalesce(_summary, ''), coalesce(_actor, ''),
           jsonb_strip_nulls(jsonb_build_object('from', _o.status, 'to', _next, 'note', nullif(_note, ''),
                                                'crew', _crew, 'estimated_restoration_time', _etr)),
           now(), now()
      FROM oms_outage_events o WHERE o.id = _o.id;

    PERFORM outages_announce(ARRAY[_o.id],
        CASE WHEN _next IN ('cleared', 'cancelled') THEN 'closed'
             WHEN _next = 'restored' THEN 'restored' ELSE 'updated' END);
    RETURN (SELECT to_jsonb(o) FROM oms_outage_events o WHERE o.id = _o.id);
END;
$$;
