-- oms_active_outages: the seed's view of active outages with their devices and sources.
CREATE OR REPLACE VIEW oms_active_outages AS
SELECT o.id, o.event_id, o.event_type, o.status, o.severity, o.confidence_score,
       o.affected_customers_count, o.first_detected_at, o.estimated_restoration_time,
       s.name AS substation_name, f.name AS feeder_name, d.name AS dp_name,
       o.source_count::bigint AS source_count, o.source_types::text[] AS source_types
  FROM oms_outage_events o
  LEFT JOIN network_substations s ON s.id = o.substation_id
  LEFT JOIN network_feeders f ON f.id = o.feeder_id
  LEFT JOIN network_distribution_points d ON d.id = o.dp_id
 WHERE o.status = ANY (outages_active_statuses());
