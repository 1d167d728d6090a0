-- outages_covering(_meter_id bigint) → bigint
-- The active outage that covers a meter: at its substation, feeder, DP or the meter itself,
-- the broadest first. NULL when none. STABLE.
CREATE OR REPLACE FUNCTION outages_covering(_meter_id bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT o.id
      FROM oms_meters m
      JOIN oms_outage_events o
        ON o.status IN ('detected', 'confirmed', 'in_progress')
       AND ((o.scope = 'substation' AND o.device_id = m.substation_id)
         OR (o.scope = 'feeder' AND o.device_id = m.feeder_id)
         OR (o.scope = 'dp' AND o.device_id = m.dp_id)
         OR (o.scope = 'meter' AND o.device_id = m.id))
     WHERE m.id = _meter_id
     ORDER BY array_position(ARRAY['substation', 'feeder', 'dp', 'meter'], o.scope::text)
     LIMIT 1
$$;
