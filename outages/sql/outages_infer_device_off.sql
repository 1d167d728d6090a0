-- outages_infer_device_off(_outage_id bigint) → void
-- Once an outage stands at a device, every active meter fed from it counts as affected: meters
-- not yet off are set off with the outage as source (unless they have power-on evidence newer
-- than the outage's start), and every meter of the device that is off is linked to it.
CREATE OR REPLACE FUNCTION outages_infer_device_off(_outage_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    _o oms_outage_events;
    _meters bigint[];
BEGIN
    SELECT * INTO _o FROM oms_outage_events WHERE id = _outage_id;
    _meters := topology_device_meter_ids(_o.scope, _o.device_id);

    PERFORM meters_record_power_evidence(ARRAY(
        SELECT ROW(m.id, 'off', _o.first_detected_at, 'oms', _o.event_id, 'inferred_outage',
                   NULL)::oms_evidence
          FROM oms_meters m WHERE m.id = ANY (_meters) AND m.power_status <> 'off'));

    PERFORM outages_link_meters(ARRAY(
        SELECT ROW(m.id, 'off', greatest(_o.first_detected_at, m.last_power_change), 'oms',
                   _o.event_id, 'inferred_outage', _o.id)::oms_evidence
          FROM oms_meters m WHERE m.id = ANY (_meters) AND m.power_status = 'off'), true);
END;
$$;
