-- outages_link_meters(_rows oms_evidence[], _inferred boolean) → void
-- Records that each row's meter is out in the row's outage (oms_evidence.outage_id), from the
-- row's event time. A link restored before this newer evidence is reopened. A customer's report
-- is not telemetry: its link counts as inferred, so the outage does not wait for that meter to
-- report power back (it may have no channel at all).
-- Links already there are updated (looked for only in outages that have links: a new outage's
-- thousands of rows probe nothing), the others inserted: callers hold the feeder locks of the
-- meters (outages_lock_feeders), so no other writer links the same meters meanwhile (an
-- INSERT ... ON CONFLICT cost a third more per row for a feeder's thousands of links).
CREATE OR REPLACE FUNCTION outages_link_meters(_rows oms_evidence[], _inferred boolean)
RETURNS void
LANGUAGE sql AS $$
    WITH wanted AS (
        SELECT DISTINCT ON (r.outage_id, r.meter_id) r.outage_id, r.meter_id, r.event_time,
               _inferred OR r.evidence = 'report' AS inferred
          FROM unnest(_rows) r WHERE r.outage_id IS NOT NULL
         ORDER BY r.outage_id, r.meter_id, r.event_time
    ),
    linked AS MATERIALIZED (  -- the outages that have links already (one probe each)
        SELECT o.outage_id
          FROM (SELECT DISTINCT w.outage_id FROM wanted w) o
         WHERE EXISTS (SELECT 1 FROM oms_outage_meters om WHERE om.outage_event_id = o.outage_id)
    ),
    kept AS (
        UPDATE oms_outage_meters om
           SET off_at = least(om.off_at, w.event_time),
               inferred = om.inferred AND w.inferred,
               restored_at = CASE WHEN w.event_time > om.restored_at THEN NULL
                                  ELSE om.restored_at END
          FROM wanted w
         WHERE om.outage_event_id = w.outage_id AND om.meter_id = w.meter_id
           AND w.outage_id IN (SELECT l.outage_id FROM linked l)
        RETURNING om.outage_event_id, om.meter_id
    )
    INSERT INTO oms_outage_meters (outage_event_id, meter_id, off_at, restored_at, inferred)
    SELECT w.outage_id, w.meter_id, w.event_time, NULL, w.inferred
      FROM wanted w
     WHERE NOT EXISTS (SELECT 1 FROM kept k
                        WHERE k.outage_event_id = w.outage_id AND k.meter_id = w.meter_id)
$$;
