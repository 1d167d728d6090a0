-- topology_refresh_meter_mappings() → integer
-- Derives each meter's feeder and substation from its DP, and rebuilds the seed's
-- network_feeder_meters / network_substation_meters from that hierarchy (set-based).
-- Returns the number of meters mapped. VOLATILE.
CREATE OR REPLACE FUNCTION topology_refresh_meter_mappings() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    _mapped integer;
BEGIN
    UPDATE oms_meters m
       SET feeder_id = f.id, substation_id = f.substation_id, updated_at = now()
      FROM network_distribution_points d
      JOIN network_feeders f ON f.id = d.feeder_id
     WHERE d.id = m.dp_id
       AND (m.feeder_id IS DISTINCT FROM f.id OR m.substation_id IS DISTINCT FROM f.substation_id);

    UPDATE oms_meters SET feeder_id = NULL, substation_id = NULL, updated_at = now()
     WHERE dp_id IS NULL AND (feeder_id IS NOT NULL OR substation_id IS NOT NULL);

    DELETE FROM network_feeder_meters fm
     WHERE NOT EXISTS (SELECT 1 FROM oms_meters m
                        WHERE m.id = fm.meter_id AND m.feeder_id = fm.feeder_id);
    INSERT INTO network_feeder_meters (feeder_id, meter_id, created_at)
    SELECT m.feeder_id, m.id, now() FROM oms_meters m WHERE m.feeder_id IS NOT NULL
    ON CONFLICT (feeder_id, meter_id) DO NOTHING;

    DELETE FROM network_substation_meters sm
     WHERE NOT EXISTS (SELECT 1 FROM oms_meters m
                        WHERE m.id = sm.meter_id AND m.substation_id = sm.substation_id);
    INSERT INTO network_substation_meters (substation_id, meter_id, priority, created_at)
    SELECT m.substation_id, m.id, 100, now() FROM oms_meters m WHERE m.substation_id IS NOT NULL
    ON CONFLICT (substation_id, meter_id) DO NOTHING;

    SELECT count(*) INTO _mapped FROM oms_meters WHERE feeder_id IS NOT NULL;
    RETURN _mapped;
END;
$$;
