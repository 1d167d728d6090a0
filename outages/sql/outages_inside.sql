-- outages_inside(_scope text, _device_id bigint) → bigint[]
-- The active outages inside a device, as operated now: for a substation or a feeder every
-- other outage on it; for a DP its meters' outages; for an in-line device the outages of the
-- DPs it feeds and of the in-line devices below it. Its own outage is not among them. STABLE.
CREATE OR REPLACE FUNCTION outages_inside(_scope text, _device_id bigint) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(o.id ORDER BY o.id), '{}')
      FROM oms_outage_events o
     WHERE o.status = ANY (outages_active_statuses())
       AND CASE _scope
           WHEN 'substation' THEN o.substation_id = _device_id AND o.scope <> 'substation'
           WHEN 'feeder' THEN o.feeder_id = _device_id AND o.scope NOT IN ('substation', 'feeder')
           WHEN 'dp' THEN o.dp_id = _device_id AND o.scope = 'meter'
           WHEN 'meter' THEN false
           ELSE (o.scope IN ('dp', 'meter') AND o.dp_id IN (
                    SELECT d.id FROM network_sections s
                      JOIN network_distribution_points d ON d.section_id = s.id
                     WHERE s.path @> ARRAY[_device_id]))
             OR (o.scope IN ('recloser', 'sectionalizer', 'switch', 'fuse')
                 AND o.device_id IN (
                    SELECT v.id FROM network_devices v
                      JOIN network_sections s ON s.id = v.upstream_section_id
                     WHERE s.path @> ARRAY[_device_id])) END
$$;
