-- topology_codes(_scope text) → TABLE(id bigint, code text)
-- Key and business code of everything the registry names at _scope: 'substation', 'feeder',
-- 'dp', 'meter' (its meter number) or an in-line device kind. The one statement of where each
-- scope's code lives: topology_device_id and topology_device_code read it in either direction.
-- A function, not a view, so that no column type change has to drop it first; inlined where
-- it is called, so each branch keeps its table's index. STABLE.
CREATE OR REPLACE FUNCTION topology_codes(_scope text) RETURNS TABLE(id bigint, code text)
LANGUAGE sql STABLE AS $$
    SELECT id, substation_id::text FROM network_substations WHERE _scope = 'substation'
    UNION ALL SELECT id, feeder_id::text FROM network_feeders WHERE _scope = 'feeder'
    UNION ALL SELECT id, dp_id::text FROM network_distribution_points WHERE _scope = 'dp'
    UNION ALL SELECT id, meter_number::text FROM oms_meters WHERE _scope = 'meter'
    UNION ALL SELECT id, code::text FROM network_devices WHERE kind = _scope
$$;
