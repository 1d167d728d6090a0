-- outages_sweep() → integer (waiting evidence correlated)
-- The single-meter wait's clock (CONTRACT §11): the outage evidence waiting in
-- oms_pending_evidence that is due (its event time plus single_meter_wait_seconds is past the
-- server's clock, or past the newest applied event time when events run ahead of it) and is
-- still its meter's newest is correlated now (outages_correlate), so it becomes an outage, or
-- joins one that covers its meter meanwhile. Called every few seconds by the relay and by
-- `python manage.py oms_sweep`. Takes the feeder locks of the meters it touches.
CREATE OR REPLACE FUNCTION outages_sweep() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    _now timestamptz := greatest(now(), (SELECT max(f.event_time) FROM oms_event_frontier f));
    _meters bigint[];
    _due oms_evidence[];
BEGIN
    _meters := ARRAY(SELECT DISTINCT p.meter_id FROM oms_pending_evidence p
                      WHERE p.due_at <= _now ORDER BY 1);
    IF cardinality(_meters) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM outages_lock_meters(_meters);
    WITH taken AS (
        DELETE FROM oms_pending_evidence p
         WHERE p.due_at <= _now AND p.meter_id = ANY (_meters)
        RETURNING p.meter_id, p.evidence, p.event_time, p.provider, p.source_event_id,
                  p.event_type
    )
    SELECT ARRAY(
        SELECT ROW(t.meter_id, t.evidence, t.event_time, t.provider, t.source_event_id,
                   t.event_type, NULL)::oms_evidence
          FROM taken t JOIN oms_meters m ON m.id = t.meter_id
         WHERE m.power_status = 'off' AND m.last_power_change <= t.event_time)
      INTO _due;
    PERFORM outages_correlate(_due);
    RETURN cardinality(_due);
END;
$$;
