-- outages_link_meters(_rows oms_evidence[], _inferred boolean) → void
-- Records that each row's meter is out in the row's outage (oms_evidence.outage_id), from the
-- row's event time. A link restored before this newer evidence is reopened. A customer's report
-- is not telemetry: its link counts as inferred, so the outage does not wait for that meter to
-- report power back (it may have no channel at all).
CREATE OR REPLACE FUNCTION outages_link_meters(_rows oms_evidence[], _inferred boolean)
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO oms_outage_meters AS om (outage_event_id, meter_id, off_at, restored_at, inferred)
    SELECT DISTINCT ON (r.outage_id, r.meter_id) r.outage_id, r.meter_id, r.event_time, NULL,
           _inferred OR r.evidence = 'report'
      FROM unnest(_rows) r WHERE r.outage_id IS NOT NULL
     ORDER BY r.outage_id, r.meter_id, r.event_time
    ON CONFLICT (outage_event_id, meter_id) DO UPDATE
       SET off_at = least(om.off_at, excluded.off_at),
           inferred = om.inferred AND excluded.inferred,
           restored_at = CASE WHEN excluded.off_at > om.restored_at THEN NULL
                              ELSE om.restored_at END
$$;
