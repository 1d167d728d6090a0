-- meters_advance_frontier(_rows oms_evidence[]) → void
-- Moves the frontier (oms_event_frontier) to the newest event time of evidence the engine
-- applied, per feeder of the rows' meters. Callers hold those feeders' engine locks, so each
-- row has one writer at a time; stale rows (before stale_before) never move it.
CREATE OR REPLACE FUNCTION meters_advance_frontier(_rows oms_evidence[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO oms_event_frontier AS f (feeder_key, event_time)
    SELECT coalesce(m.feeder_id, 0), max(r.event_time)
      FROM unnest(_rows) r JOIN oms_meters m ON m.id = r.meter_id
     WHERE r.event_time >= (SELECT l.stale_before FROM meters_event_time_limits() l)
     GROUP BY 1
    ON CONFLICT (feeder_key) DO UPDATE SET event_time = excluded.event_time
     WHERE f.event_time < excluded.event_time
$$;
