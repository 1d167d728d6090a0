-- meters_record_power_evidence(_rows oms_evidence[]) → the rows that were new
-- Records power evidence ('off' | 'on' | 'unknown' rows; others are skipped) in the audit trail
-- and moves each meter to its newest evidence, set-based:
--   * a re-delivered (meter, provider, source_event_id) records nothing and is not returned
--     (the unique key also holds the event time, the partition key of the monthly partitions:
--     a re-delivery carries the same time, so only its month's partition is probed); the
--     meters are probed only for a source event recorded before, which is looked up once;
--   * evidence older than the meter's last power change is recorded with applied = false and
--     changes nothing (late delivery never overrides newer evidence), and so is stale evidence
--     (older than stale_before of meters_event_time_limits, CONTRACT §12);
--   * previous_status is the real status before each applied row, in event-time order.
-- Callers hold the feeder locks (outages_lock_feeders), which serialize the engine's writers of
-- the same meters, so the re-delivery check cannot race another writer (no ON CONFLICT: its
-- speculative insertion cost a fifth of the statement on a feeder's thousands of rows; the
-- unique key still refuses a duplicate); the UPDATE then locks the meter rows it changes. The
-- frontier moves to the newest time recorded, per feeder, in the same statement (what
-- meters_advance_frontier does; a re-delivery moved it when first delivered).
CREATE OR REPLACE FUNCTION meters_record_power_evidence(_rows oms_evidence[])
RETURNS TABLE (meter_id bigint, provider text, source_event_id text, previous_status text,
               new_status text, applied boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    _stale_before timestamptz := (SELECT l.stale_before FROM meters_event_time_limits() l);
    -- Each provider's weight, looked up once per call (a join of every row with the providers
    -- cost a tenth of the statement).
    _weights jsonb := (SELECT jsonb_object_agg(p.provider, least(outages_weight(p.provider), 1))
                         FROM (SELECT DISTINCT r.provider FROM unnest(_rows) r) p);
BEGIN
    RETURN QUERY
    WITH seen AS MATERIALIZED (
        -- The source events of these rows already recorded (for any meter): one probe per
        -- source event, not per row (a SCADA event's thousands of rows share one).
        SELECT k.provider, k.source_event_id, k.event_time
          FROM (SELECT DISTINCT r.provider, r.source_event_id, r.event_time
                  FROM unnest(_rows) r WHERE r.evidence IN ('off', 'on', 'unknown')) k
         WHERE EXISTS (SELECT 1 FROM oms_meter_status_events e
                        WHERE e.source_type = k.provider AND e.source_event_id = k.source_event_id
                          AND e.event_timestamp = k.event_time)
    ),
    incoming AS (
        SELECT DISTINCT ON (r.meter_id, r.provider, r.source_event_id) r.*
          FROM unnest(_rows) r
         WHERE r.evidence IN ('off', 'on', 'unknown')
           AND NOT (EXISTS (SELECT 1 FROM seen k
                             WHERE k.provider = r.provider
                               AND k.source_event_id = r.source_event_id
                               AND k.event_time = r.event_time)
                    AND EXISTS (SELECT 1 FROM oms_meter_status_events e
                                 WHERE e.meter_id = r.meter_id AND e.source_type = r.provider
                                   AND e.source_event_id = r.source_event_id
                                   AND e.event_timestamp = r.event_time))
         ORDER BY r.meter_id, r.provider, r.source_event_id, r.event_time
    ),
    judged AS (
        SELECT i.*, m.power_status AS current_status, m.feeder_id,
               (i.event_time >= _stale_before
                AND (m.last_power_change IS NULL OR i.event_time >= m.last_power_change))
                   AS is_applied
          FROM incoming i JOIN oms_meters m ON m.id = i.meter_id
    ),
    chained AS (
        SELECT j.*,
               CASE WHEN j.is_applied
                    THEN coalesce(lag(j.evidence) OVER (PARTITION BY j.meter_id, j.is_applied
                                                        ORDER BY j.event_time, j.source_event_id),
                                  j.current_status)
                    ELSE j.current_status END AS before
          FROM judged j
    ),
    recorded AS (  -- every row is inserted (no ON CONFLICT), so the rows are chained's own
        INSERT INTO oms_meter_status_events AS e
            (meter_id, event_type, previous_status, new_status, source_type, source_event_id,
             event_timestamp, applied, confidence_score, metadata, created_at)
        SELECT c.meter_id, coalesce(c.event_type, c.evidence), c.before, c.evidence, c.provider,
               c.source_event_id, c.event_time, c.is_applied, (_weights ->> c.provider)::numeric,
               '{}'::jsonb, now()
          FROM chained c
    ),
    newest AS (
        SELECT DISTINCT ON (c.meter_id) c.meter_id, c.evidence, c.event_time
          FROM chained c WHERE c.is_applied
         ORDER BY c.meter_id, c.event_time DESC, c.source_event_id DESC
    ),
    moved AS (
        UPDATE oms_meters m
           SET power_status = n.evidence, last_power_change = n.event_time, updated_at = now()
          FROM newest n WHERE m.id = n.meter_id
    ),
    frontier AS (
        INSERT INTO oms_event_frontier AS f (feeder_key, event_time)
        SELECT coalesce(j.feeder_id, 0), max(j.event_time) FROM judged j
         WHERE j.event_time >= _stale_before
         GROUP BY 1
        ON CONFLICT (feeder_key) DO UPDATE SET event_time = excluded.event_time
         WHERE f.event_time < excluded.event_time
    )
    SELECT c.meter_id, c.provider::text, c.source_event_id::text, c.before::text,
           c.evidence::text, c.is_applied
      FROM chained c;
END;
$$;
