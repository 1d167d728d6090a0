-- outages_place(_rows oms_evidence[]) → oms_evidence[] (outage_id set to the covering outage)
-- For each row, the active outage covering its meter: at its substation, feeder, an in-line
-- device above its DP (the one nearest the feeder's head), its DP or the meter itself, the
-- broadest first; NULL when none. One set-based statement (lookups on the
-- one-active-outage-per-device index per row; the in-line lookup only while such an outage is
-- active).
CREATE OR REPLACE FUNCTION outages_place(_rows oms_evidence[]) RETURNS oms_evidence[]
LANGUAGE sql STABLE AS $$
    SELECT ARRAY(
        SELECT ROW(r.meter_id, r.evidence, r.event_time, r.provider, r.source_event_id,
                   r.event_type, coalesce(os.id, ofe.id, oi.id, od.id, om.id))::oms_evidence
          FROM unnest(_rows) r
          JOIN oms_meters m ON m.id = r.meter_id
          LEFT JOIN oms_outage_events os
            ON os.scope = 'substation' AND os.device_id = m.substation_id
           AND os.status = ANY (outages_active_statuses())
          LEFT JOIN oms_outage_events ofe
            ON ofe.scope = 'feeder' AND ofe.device_id = m.feeder_id
           AND ofe.status = ANY (outages_active_statuses())
          LEFT JOIN LATERAL (
              SELECT o.id FROM network_distribution_points d
                JOIN network_sections s ON s.id = d.section_id
                JOIN oms_outage_events o
                  ON o.scope IN ('recloser', 'sectionalizer', 'switch', 'fuse')
                 AND o.device_id = ANY (s.path)
                 AND o.status = ANY (outages_active_statuses())
               WHERE d.id = m.dp_id AND cardinality(s.path) > 0
               ORDER BY array_position(s.path, o.device_id) LIMIT 1) oi ON true
          LEFT JOIN oms_outage_events od
            ON od.scope = 'dp' AND od.device_id = m.dp_id
           AND od.status = ANY (outages_active_statuses())
          LEFT JOIN oms_outage_events om
            ON om.scope = 'meter' AND om.device_id = m.id
           AND om.status = ANY (outages_active_statuses()))
$$;
