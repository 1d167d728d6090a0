-- outages_predict_units(_feeder_ids bigint[]) → (dp_id, feeder_id, path, started)
-- The DPs of the given feeders that are out now by an active outage at the DP, at an in-line
-- device above it or at its feeder, with that outage's start: the evidence prediction climbs
-- with (CONTRACT §11). A DP where a customer called and no outage of a device covers the
-- call (a meter outage evidenced by calls alone, no AMI) counts too, from the call: calls from
-- customers of several transformers below one device are evidence for that device (a fuse
-- still out when the breaker above it closed, its last gasps sent long before), under the
-- same rules as DPs out; a meter's own last gasp with a call is that meter's fault, not its
-- transformer's. Only DPs on energized sections count: a DP behind a device that is open
-- as operated is out for a known reason and explains nothing above it. A DP covered twice
-- (its own outage inside a device's) appears twice; callers take its earliest start. STABLE.
CREATE OR REPLACE FUNCTION outages_predict_units(_feeder_ids bigint[])
RETURNS TABLE (dp_id bigint, feeder_id bigint, path bigint[], started timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT d.id, s.feeder_id, s.path, o.first_detected_at
      FROM oms_outage_events o
      JOIN network_distribution_points d ON d.id = o.device_id
      JOIN network_sections s ON s.id = d.section_id
     WHERE o.scope = 'dp' AND o.feeder_id = ANY (_feeder_ids)
       AND o.status = ANY (outages_active_statuses()) AND s.energized
    UNION ALL
    SELECT d.id, s.feeder_id, s.path, o.first_detected_at
      FROM oms_outage_events o
      JOIN network_sections s ON s.path @> ARRAY[o.device_id] AND s.energized
      JOIN network_distribution_points d ON d.section_id = s.id
     WHERE o.scope IN ('recloser', 'sectionalizer', 'switch', 'fuse')
       AND o.feeder_id = ANY (_feeder_ids) AND o.status = ANY (outages_active_statuses())
    UNION ALL
    SELECT d.id, s.feeder_id, s.path, o.first_detected_at
      FROM oms_outage_events o
      JOIN network_sections s ON s.feeder_id = o.device_id AND s.energized
      JOIN network_distribution_points d ON d.section_id = s.id
     WHERE o.scope = 'feeder' AND o.device_id = ANY (_feeder_ids)
       AND o.status = ANY (outages_active_statuses())
    UNION ALL
    SELECT d.id, s.feeder_id, s.path, o.first_detected_at
      FROM oms_outage_events o
      JOIN network_distribution_points d ON d.id = o.dp_id
      JOIN network_sections s ON s.id = d.section_id
     WHERE o.scope = 'meter' AND o.feeder_id = ANY (_feeder_ids)
       AND o.status = ANY (outages_active_statuses()) AND s.energized
       AND 'call_center' = ANY (o.source_types)
       AND NOT o.source_types && ARRAY['onu', 'kaifa', 'scada', 'operator']::varchar[]
$$;
