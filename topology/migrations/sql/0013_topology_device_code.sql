-- topology_device_code(_scope text, _device_id bigint) → text
-- The business code of the device with key _device_id at _scope (any device kind or 'meter':
-- its meter number); NULL when there is none. The inverse of topology_device_id. STABLE.
CREATE OR REPLACE FUNCTION topology_device_code(_scope text, _device_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE _scope
        WHEN 'substation' THEN (SELECT substation_id FROM network_substations WHERE id = _device_id)
        WHEN 'feeder' THEN (SELECT feeder_id FROM network_feeders WHERE id = _device_id)
        WHEN 'dp' THEN (SELECT dp_id FROM network_distribution_points WHERE id = _device_id)
        WHEN 'meter' THEN (SELECT meter_number FROM oms_meters WHERE id = _device_id)
        ELSE (SELECT code FROM network_devices WHERE kind = _scope AND id = _device_id)
    END
$$;
