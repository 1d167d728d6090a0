-- outages_infer_devices_off(_outage_ids bigint[]) → void
-- Once an outage stands at a device, every active meter fed from it counts as affected: meters
-- not yet off are set off with the outage as source (unless they have power-on evidence newer
-- than the outage's start), and every meter of the device that is off is linked to it.
-- Set-based over all the given outages.
CREATE OR REPLACE FUNCTION outages_infer_devices_off(_outage_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    _fed oms_evidence[];
BEGIN
    _fed := ARRAY(
        SELECT ROW(f.meter_id, 'off', o.first_detected_at, 'oms', o.event_id, 'inferred_outage',
                   o.id)::oms_evidence
          FROM oms_outage_events o,
               unnest(topology_device_meter_ids(o.scope, o.device_id)) AS f(meter_id)
         WHERE o.id = ANY (_outage_ids));

    PERFORM meters_record_power_evidence(ARRAY(
        SELECT f FROM unnest(_fed) f JOIN oms_meters m ON m.id = f.meter_id
         WHERE m.power_status <> 'off'));

    PERFORM outages_link_meters(ARRAY(
        SELECT ROW(f.meter_id, 'off', greatest(f.event_time, m.last_power_change), 'oms',
                   f.source_event_id, 'inferred_outage', f.outage_id)::oms_evidence
          FROM unnest(_fed) f JOIN oms_meters m ON m.id = f.meter_id
         WHERE m.power_status = 'off'), true);
END;
$$;
