-- scada_event_affected_meters: the seed's table of the meters each SCADA event checked, as a
-- view over the audit trail (every meter a SCADA event touched has one row there). The status
-- after is the new status when the evidence applied, else the status that stood.
CREATE OR REPLACE VIEW scada_event_affected_meters AS
SELECT e.id, s.id AS scada_event_id, e.meter_id, e.previous_status AS power_status_before,
       CASE WHEN e.applied THEN e.new_status ELSE e.previous_status END AS power_status_after,
       e.created_at AS checked_at
  FROM scada_events s
  JOIN oms_meter_status_events e
    ON e.source_type = 'scada' AND e.source_event_id = s.source_event_id;
