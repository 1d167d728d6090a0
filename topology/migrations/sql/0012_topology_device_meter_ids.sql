-- topology_device_meter_ids(_scope text, _device_id bigint) → bigint[]
-- The active meters fed from a device, ascending. One branch per scope so that each one uses
-- its own index (a CASE in the WHERE clause would scan every meter). An in-line device feeds
-- the DPs of the sections whose derived path holds it (GIN index on the path). STABLE.
CREATE OR REPLACE FUNCTION topology_device_meter_ids(_scope text, _device_id bigint)
RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(f.id ORDER BY f.id), '{}')
      FROM (SELECT m.id FROM oms_meters m
             WHERE _scope = 'substation' AND m.substation_id = _device_id AND m.status = 'active'
            UNION ALL
            SELECT m.id FROM oms_meters m
             WHERE _scope = 'feeder' AND m.feeder_id = _device_id AND m.status = 'active'
            UNION ALL
            SELECT m.id FROM oms_meters m
             WHERE _scope = 'dp' AND m.dp_id = _device_id AND m.status = 'active'
            UNION ALL
            SELECT m.id FROM oms_meters m
             WHERE _scope = 'meter' AND m.id = _device_id AND m.status = 'active'
            UNION ALL
            SELECT m.id FROM network_sections s
              JOIN network_distribution_points d ON d.section_id = s.id
              JOIN oms_meters m ON m.dp_id = d.id
             WHERE _scope IN ('recloser', 'sectionalizer', 'switch', 'fuse')
               AND s.path @> ARRAY[_device_id] AND m.status = 'active') f
$$;
