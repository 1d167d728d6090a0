-- topology_device_path(_scope text, _device_id bigint) → (substation_id, feeder_id, dp_id, meter_id)
-- The keys of a device and of every device above it (an in-line device: its derived feeder
-- and that feeder's substation). STABLE.
CREATE OR REPLACE FUNCTION topology_device_path(_scope text, _device_id bigint)
RETURNS TABLE (substation_id bigint, feeder_id bigint, dp_id bigint, meter_id bigint)
LANGUAGE sql STABLE AS $$
    SELECT s.id, NULL::bigint, NULL::bigint, NULL::bigint
      FROM network_substations s WHERE _scope = 'substation' AND s.id = _device_id
    UNION ALL
    SELECT f.substation_id, f.id, NULL, NULL
      FROM network_feeders f WHERE _scope = 'feeder' AND f.id = _device_id
    UNION ALL
    SELECT f.substation_id, f.id, d.id, NULL
      FROM network_distribution_points d JOIN network_feeders f ON f.id = d.feeder_id
     WHERE _scope = 'dp' AND d.id = _device_id
    UNION ALL
    SELECT m.substation_id, m.feeder_id, m.dp_id, m.id
      FROM oms_meters m WHERE _scope = 'meter' AND m.id = _device_id
    UNION ALL
    SELECT f.substation_id, f.id, NULL, NULL
      FROM network_devices v LEFT JOIN network_feeders f ON f.id = v.feeder_id
     WHERE _scope IN ('recloser', 'sectionalizer', 'switch', 'fuse') AND v.id = _device_id
$$;
