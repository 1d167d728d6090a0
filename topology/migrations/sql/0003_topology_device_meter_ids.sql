-- topology_device_meter_ids(_scope text, _device_id bigint) → bigint[]
-- The active meters fed from a device, ascending (the engine's lock order). STABLE.
CREATE OR REPLACE FUNCTION topology_device_meter_ids(_scope text, _device_id bigint)
RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(m.id ORDER BY m.id), '{}')
      FROM oms_meters m
     WHERE m.status = 'active'
       AND CASE _scope WHEN 'substation' THEN m.substation_id = _device_id
                       WHEN 'feeder' THEN m.feeder_id = _device_id
                       WHEN 'dp' THEN m.dp_id = _device_id
                       ELSE m.id = _device_id END
$$;
