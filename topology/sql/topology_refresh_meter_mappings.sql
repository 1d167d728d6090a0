-- topology_refresh_meter_mappings() → integer
-- Re-derives every meter's feeder, substation and mapping rows (topology_rederive_meters for
-- all meters). Returns the number of meters. VOLATILE.
CREATE OR REPLACE FUNCTION topology_refresh_meter_mappings() RETURNS integer
LANGUAGE sql AS $$
    SELECT topology_rederive_meters(NULL)
$$;
