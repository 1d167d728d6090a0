-- topology_meters_fed_from(_scope text, _code text) → the active meters fed from a device,
-- with the seed's columns. Raises a clear error (no_data_found) for an unknown device. STABLE.
CREATE OR REPLACE FUNCTION topology_meters_fed_from(_scope text, _code text)
RETURNS TABLE (meter_id bigint, meter_number varchar, communication_status varchar,
               power_status varchar, last_communication timestamptz, customer_id varchar,
               location_lat numeric, location_lng numeric)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    _device bigint := topology_device_id(_scope, _code);
BEGIN
    IF _device IS NULL THEN
        RAISE EXCEPTION 'unknown %: %', _scope, _code USING ERRCODE = 'no_data_found';
    END IF;
    RETURN QUERY
    SELECT m.id, m.meter_number, m.communication_status, m.power_status, m.last_communication,
           c.customer_id, m.location_lat, m.location_lng
      FROM oms_meters m LEFT JOIN oms_customers c ON c.id = m.customer_id
     WHERE m.id = ANY (topology_device_meter_ids(_scope, _device))
     ORDER BY m.meter_number;
END;
$$;
