-- network_substations_with_meters: the seed's view of substations with meter counts.
-- online/offline/unknown count power status; comm_offline counts communication status.
CREATE OR REPLACE VIEW network_substations_with_meters AS
SELECT s.id, s.substation_id, s.name, s.location_lat, s.location_lng, s.status,
       count(m.id) AS total_meters,
       count(m.id) FILTER (WHERE m.power_status = 'on') AS online_meters,
       count(m.id) FILTER (WHERE m.power_status = 'off') AS offline_meters,
       count(m.id) FILTER (WHERE m.power_status = 'unknown') AS unknown_meters,
       count(m.id) FILTER (WHERE m.communication_status = 'offline') AS comm_offline_meters
  FROM network_substations s
  LEFT JOIN oms_meters m ON m.substation_id = s.id AND m.status = 'active'
 GROUP BY s.id;
