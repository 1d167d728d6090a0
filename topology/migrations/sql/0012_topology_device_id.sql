-- topology_device_id(_scope text, _code text) → bigint
-- The key of the device with business code _code at _scope ('substation', 'feeder', 'dp',
-- 'meter', or an in-line kind: 'recloser', 'sectionalizer', 'switch', 'fuse'); NULL when the
-- registry does not know it. STABLE.
CREATE OR REPLACE FUNCTION topology_device_id(_scope text, _code text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE _scope
        WHEN 'substation' THEN (SELECT id FROM network_substations WHERE substation_id = _code)
        WHEN 'feeder' THEN (SELECT id FROM network_feeders WHERE feeder_id = _code)
        WHEN 'dp' THEN (SELECT id FROM network_distribution_points WHERE dp_id = _code)
        WHEN 'meter' THEN (SELECT id FROM oms_meters WHERE meter_number = _code)
        ELSE (SELECT id FROM network_devices WHERE kind = _scope AND code = _code)
    END
$$;
