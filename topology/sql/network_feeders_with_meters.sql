-- network_feeders_with_meters: the seed's view of feeders with their substation and meter counts.
CREATE OR REPLACE VIEW network_feeders_with_meters AS
SELECT f.id, f.feeder_id, f.name, f.substation_id, s.substation_id AS substation_code,
       s.name AS substation_name, f.location_lat, f.location_lng, f.status,
       count(m.id) AS total_meters,
       count(m.id) FILTER (WHERE m.power_status = 'on') AS online_meters,
       count(m.id) FILTER (WHERE m.power_status = 'off') AS offline_meters,
       count(m.id) FILTER (WHERE m.power_status = 'unknown') AS unknown_meters
  FROM network_feeders f
  JOIN network_substations s ON s.id = f.substation_id
  LEFT JOIN oms_meters m ON m.feeder_id = f.id AND m.status = 'active'
 GROUP BY f.id, s.id;
