-- scada_event_affected_meters: the seed's table of the meters each SCADA event checked, as a
-- view over the audit trail (every meter a SCADA event touched has one row there, at the
-- event's own time). The status after is the new status when the evidence applied, else the
-- status that stood. The audit rows are looked up per SCADA event by its key (OFFSET 0 keeps
-- the lookup from being flattened into a join the planner would size from statistics: a SCADA
-- event usually touches thousands of meters, so an unknown device's answer scanned them all).
CREATE OR REPLACE VIEW scada_event_affected_meters AS
SELECT e.id, s.id AS scada_event_id, e.meter_id, e.previous_status AS power_status_before,
       CASE WHEN e.applied THEN e.new_status ELSE e.previous_status END AS power_status_after,
       e.created_at AS checked_at
  FROM scada_events s
  CROSS JOIN LATERAL (
      SELECT a.id, a.meter_id, a.previous_status, a.new_status, a.applied, a.created_at
        FROM oms_meter_status_events a
       WHERE a.source_type = 'scada' AND a.source_event_id = s.source_event_id
         AND a.event_timestamp = s.event_timestamp
      OFFSET 0) e;
