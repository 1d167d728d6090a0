-- oms_meters_with_topology: the seed's view of meters with customer and topology (codes in *_id).
CREATE OR REPLACE VIEW oms_meters_with_topology AS
SELECT m.id AS meter_id, m.meter_number, m.meter_type, m.communication_status, m.power_status,
       m.last_communication, m.last_power_change, m.location_lat, m.location_lng,
       c.customer_id, c.phone AS customer_phone, c.address AS customer_address,
       s.substation_id, s.name AS substation_name, f.feeder_id, f.name AS feeder_name,
       d.dp_id, d.name AS dp_name
  FROM oms_meters m
  LEFT JOIN oms_customers c ON c.id = m.customer_id
  LEFT JOIN network_substations s ON s.id = m.substation_id
  LEFT JOIN network_feeders f ON f.id = m.feeder_id
  LEFT JOIN network_distribution_points d ON d.id = m.dp_id;
