-- outages_roll_up(_dp_ids bigint[], _pending oms_evidence[]) → void
-- Prediction by roll-up, for the DPs that just received evidence (_pending: outage evidence
-- of meters no outage covers yet, counted as if each were a meter outage):
--   1. a DP where at least dp_rollup_fraction of its active meters have meter outages that
--      started within rollup_window_minutes of each other (any such window, so a later ticket
--      never hides an earlier cluster) becomes one DP outage. The share is of the meters that
--      can report: conventional and prepaid meters have no channel and never send a last gasp
--      (all active meters when none can). The evidence of one meter alone (a DP of one
--      meter) makes a DP outage only once it has waited out single_meter_wait_seconds.
--      Calls are evidence for their transformer too: at least dp_call_count distinct
--      customers of one DP calling within the window (the time of each one's first call) make
--      it a DP outage, however few of its meters report (customers call about a dark
--      transformer whose last gasps were lost, or sent long before: a transformer that stayed
--      out when the breaker above it closed); one call alone stays its meter's outage;
--   2. the DPs out climb the tree to the nearest upstream device that explains them
--      (outages_predict, CONTRACT §11), for the feeders of these DPs.
-- The smaller outages are merged into the new ones and their devices' meters inferred off, a
-- whole storm's worth of DPs at once.
CREATE OR REPLACE FUNCTION outages_roll_up(_dp_ids bigint[], _pending oms_evidence[])
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    _window interval := outages_rule('rollup_window_minutes', 15) * interval '1 minute';
    _fraction numeric := outages_rule('dp_rollup_fraction', 0.5);
    _calls numeric := outages_rule('dp_call_count', 2);
    -- One meter's evidence younger than this waits (a DP of one meter too, CONTRACT §11).
    _single_before timestamptz := greatest(now(), (SELECT max(f.event_time)
                                                     FROM oms_event_frontier f))
        - outages_rule('single_meter_wait_seconds', 60) * interval '1 second';
    _devices bigint[];
    _starts timestamptz[];
BEGIN
    WITH meters_out AS (
        -- each meter out, with its customer and its first call (NULL: no call)
        SELECT o.dp_id, o.first_detected_at AS started,
               coalesce(m.customer_id, -m.id) AS customer,
               (SELECT min(s.event_timestamp) FROM oms_event_sources s
                 WHERE s.outage_event_id = o.id AND s.source_type = 'call_center') AS called
          FROM oms_outage_events o JOIN oms_meters m ON m.id = o.device_id
         WHERE o.scope = 'meter' AND o.dp_id = ANY (_dp_ids)
           AND o.status = ANY (outages_active_statuses())
        UNION ALL
        SELECT m.dp_id, min(p.event_time), coalesce(m.customer_id, -m.id),
               min(p.event_time) FILTER (WHERE p.evidence = 'report')
          FROM unnest(_pending) p JOIN oms_meters m ON m.id = p.meter_id
         WHERE m.dp_id IS NOT NULL
         GROUP BY m.dp_id, m.id
    ),
    callers AS (
        SELECT o.dp_id, o.customer, min(o.called) AS called
          FROM meters_out o WHERE o.called IS NOT NULL
         GROUP BY o.dp_id, o.customer
    ),
    call_windows AS (
        -- For each caller: how many of the DP's customers call within the window that opens
        -- with them.
        SELECT c.dp_id, c.called,
               count(*) OVER (PARTITION BY c.dp_id ORDER BY c.called
                              RANGE BETWEEN CURRENT ROW AND _window FOLLOWING) AS callers
          FROM callers c
    ),
    windows AS (
        -- For each meter out: how many of the DP's meters go out within the window that
        -- opens with it.
        SELECT o.dp_id, o.started,
               count(*) OVER (PARTITION BY o.dp_id ORDER BY o.started
                              RANGE BETWEEN CURRENT ROW AND _window FOLLOWING) AS out
          FROM meters_out o
    ),
    ripe AS (
        SELECT w.dp_id, min(w.started) AS started
          FROM windows w
         WHERE w.out >= greatest(1, ceil(_fraction * (
                   SELECT coalesce(nullif(count(*) FILTER (
                              WHERE m.meter_type NOT IN ('conventional', 'prepaid')), 0),
                                   count(*))
                     FROM oms_meters m
                    WHERE m.dp_id = w.dp_id AND m.status = 'active')))
           AND (w.out >= 2 OR w.started <= _single_before)
         GROUP BY w.dp_id
        UNION ALL
        SELECT c.dp_id, min(c.called)
          FROM call_windows c
         WHERE c.callers >= greatest(1, _calls)
         GROUP BY c.dp_id
    ),
    ripe_dps AS (
        SELECT r.dp_id, min(r.started) AS started FROM ripe r GROUP BY r.dp_id
    )
    SELECT coalesce(array_agg(r.dp_id ORDER BY r.dp_id), '{}'),
           coalesce(array_agg(r.started ORDER BY r.dp_id), '{}')
      INTO _devices, _starts FROM ripe_dps r;
    PERFORM outages_stand_at('dp', _devices, _starts, 'medium');

    PERFORM outages_predict(ARRAY(SELECT DISTINCT d.feeder_id
                                    FROM network_distribution_points d
                                   WHERE d.id = ANY (_dp_ids) AND d.feeder_id IS NOT NULL));
END;
$$;
