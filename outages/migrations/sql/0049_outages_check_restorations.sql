-- outages_check_restorations(_feeder_ids bigint[]) → integer (meters judged)
-- The restoration check (CONTRACT §11): a device's re-energization sets its meters on by
-- inference (outages_energize_device), and those it set on without evidence of their own are
-- remembered (oms_restoration_checks). A fault that started while its meters were dark (below
-- a locked-out breaker, a fuse that blew with its parent) sends no last gasp; after the
-- re-energization its meters send no power-up while the others below the device do. Once
-- restoration_check_seconds have passed since the re-energization — in event time (the newest
-- event time applied is past it: the feeds delivered what followed), or, for the sweep
-- (_feeder_ids NULL), on the server's clock since it was recorded, when nothing newer comes —
-- each re-energization's meters are judged together:
--   * back: a power-up of the meter's own (any AMI provider) dated after it went off;
--     silent: none, and nothing has changed it since the re-energization;
--   * nothing is judged unless at least restoration_check_back_share of the device's
--     reporters (meters, or ONUs: one message speaks for all of an ONU's meters) are back: no
--     power-up at all says AMI did not report, not that everything failed;
--   * silence is evidence only in groups, never for one meter (power-ups get lost): a DP is
--     silent when it has silent reporters and none back; an in-line device below the
--     re-energized one is out when, by the prediction's rules of its kind (outages_predict),
--     its silent DPs are at least <kind>_rollup_dp_count, on two of its branches, at least
--     <kind>_rollup_fraction of the DPs with reporting meters it feeds, none of its DPs is
--     back, and they hold at least restoration_check_min_reporters silent reporters. Not a
--     telemetered device (its telemetry speaks for it), nor one out already. The device
--     nearest the re-energized one that is out explains its DPs; a silent DP no such device
--     explains is a DP outage when it has at least restoration_check_min_reporters silent
--     reporters (a transformer of one meter is never one).
-- Each such outage starts at the re-energization; its silent meters go off with evidence of the
-- engine's own (provider 'oms', event type 'no_restoration', dated at the re-energization, so
-- any later power-up of theirs restores them as usual), the others it feeds are inferred off,
-- its timeline says why, and its confidence is AMI's (below 1). In the ingest path
-- (outages_apply_meter_evidence, _feeder_ids the feeders it holds locked) only the
-- re-energizations wholly on those feeders are judged; the sweep takes the locks it needs.
CREATE OR REPLACE FUNCTION outages_check_restorations(_feeder_ids bigint[] DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    _wait interval := outages_rule('restoration_check_seconds', 600) * interval '1 second';
    _back_share numeric := outages_rule('restoration_check_back_share', 0.1);
    _least numeric := outages_rule('restoration_check_min_reporters', 2);
    _frontier timestamptz := (SELECT max(f.event_time) FROM oms_event_frontier f);
    _kinds text[];
    _g_scope text[];
    _g_device bigint[];
    _g_at timestamptz[];
    _taken oms_restoration_checks[];
    _u_scope text[];
    _u_device bigint[];
    _u_at timestamptz[];
    _u_why text[];
    _u_meter bigint[];  -- the units' silent meters, one row each (with its unit's scope, ...)
    _rows oms_evidence[];
    _unit record;
BEGIN
    -- The cheap test first: anything due at all (by the indexes).
    IF NOT EXISTS (SELECT 1 FROM oms_restoration_checks c
                    WHERE c.energized_at <= _frontier - _wait
                      AND (_feeder_ids IS NULL OR c.feeder_id = ANY (_feeder_ids)))
       AND (_feeder_ids IS NOT NULL
            OR NOT EXISTS (SELECT 1 FROM oms_restoration_checks c
                            WHERE c.recorded_at <= now() - _wait
                              AND c.energized_at <= now() - _wait)) THEN
        RETURN 0;
    END IF;
    SELECT coalesce(array_agg(g.scope), '{}'), coalesce(array_agg(g.device_id), '{}'),
           coalesce(array_agg(g.energized_at), '{}')
      INTO _g_scope, _g_device, _g_at
      FROM (SELECT c.scope, c.device_id, c.energized_at
              FROM oms_restoration_checks c
             -- (one re-energization's rows share their time: whole ones pass)
             WHERE c.energized_at <= greatest(_frontier, now()) - _wait
             GROUP BY c.scope, c.device_id, c.energized_at
            HAVING (bool_and(c.energized_at <= _frontier - _wait)
                    OR (_feeder_ids IS NULL AND bool_and(c.recorded_at <= now() - _wait)))
               AND (_feeder_ids IS NULL
                    OR bool_and(coalesce(c.feeder_id = ANY (_feeder_ids), false)))) g;
    IF cardinality(_g_scope) = 0 THEN
        RETURN 0;
    END IF;
    IF _feeder_ids IS NULL THEN
        PERFORM outages_lock_meters(ARRAY(
            SELECT c.meter_id FROM oms_restoration_checks c
              JOIN unnest(_g_scope, _g_device, _g_at) AS g(scope, device_id, at)
                ON (c.scope, c.device_id, c.energized_at) = (g.scope, g.device_id, g.at)));
    END IF;
    WITH taken AS (
        DELETE FROM oms_restoration_checks c
         USING unnest(_g_scope, _g_device, _g_at) AS g(scope, device_id, at)
         WHERE (c.scope, c.device_id, c.energized_at) = (g.scope, g.device_id, g.at)
        RETURNING c AS checked
    )
    SELECT coalesce(array_agg(t.checked), '{}') INTO _taken FROM taken t;
    _kinds := outages_predict_kinds();

    WITH judged AS (
        SELECT t.meter_id, t.dp_id, t.scope, t.device_id, t.energized_at,
               coalesce('onu ' || nullif(m.onu_id, ''), 'meter ' || m.id) AS reporter, h.back,
               NOT h.back AND m.power_status = 'on' AND m.last_power_change <= t.energized_at
                   AS silent
          FROM unnest(_taken) t
          JOIN oms_meters m ON m.id = t.meter_id
         CROSS JOIN LATERAL (SELECT EXISTS (
                   SELECT 1 FROM oms_meter_status_events e
                    WHERE e.meter_id = t.meter_id AND e.new_status = 'on'
                      AND e.event_timestamp > coalesce(t.off_since, '-infinity')
                      AND e.source_type NOT IN ('oms', 'scada', 'operator')) AS back) h
    ),
    groups AS MATERIALIZED (
        SELECT j.scope, j.device_id, j.energized_at,
               count(DISTINCT j.reporter) FILTER (WHERE j.back) AS back,
               count(DISTINCT j.reporter) FILTER (WHERE j.back OR j.silent) AS judged
          FROM judged j
         GROUP BY j.scope, j.device_id, j.energized_at
    ),
    dps AS MATERIALIZED (
        SELECT j.scope, j.device_id, j.energized_at, j.dp_id, s.path,
               count(DISTINCT j.reporter) FILTER (WHERE j.silent) AS silent, bool_or(j.back) AS back,
               array_agg(j.meter_id) FILTER (WHERE j.silent) AS meters
          FROM judged j
          JOIN groups g USING (scope, device_id, energized_at)
          JOIN network_distribution_points d ON d.id = j.dp_id
          JOIN network_sections s ON s.id = d.section_id AND s.energized
         WHERE g.back > 0 AND g.back >= _back_share * g.judged AND g.judged > g.back
         GROUP BY j.scope, j.device_id, j.energized_at, j.dp_id, s.path
    ),
    -- Each DP under every in-line device of its path below the re-energized device, with the
    -- branch it lies on as seen from there.
    below AS (
        SELECT d.scope, d.device_id, d.energized_at, d.dp_id, d.silent, d.back, p.id AS device,
               b.branch
          FROM dps d
         CROSS JOIN LATERAL unnest(d.path) WITH ORDINALITY AS p(id, n)
         CROSS JOIN LATERAL outages_predict_branch(d.path, p.n::integer, d.dp_id, _kinds) b
         WHERE d.scope IN ('feeder', 'substation')
            OR (d.scope IN ('recloser', 'sectionalizer', 'switch', 'fuse')
                AND p.n > array_position(d.path, d.device_id))
    ),
    counted AS MATERIALIZED (
        SELECT b.scope, b.device_id, b.energized_at, b.device, v.kind, us.path AS above,
               count(*) FILTER (WHERE b.silent > 0) AS dps, sum(b.silent) AS reporters
          FROM below b
          JOIN network_devices v ON v.id = b.device
          JOIN network_sections us ON us.id = v.upstream_section_id
         WHERE v.kind = ANY (_kinds) AND v.state = 'closed' AND v.energized AND NOT v.telemetered
         GROUP BY b.scope, b.device_id, b.energized_at, b.device, v.kind, us.path
        HAVING NOT bool_or(b.back)
           AND count(DISTINCT b.branch) FILTER (WHERE b.silent > 0) >= 2
           AND count(*) FILTER (WHERE b.silent > 0)
               >= outages_rule(v.kind || '_rollup_dp_count', 2)
           AND sum(b.silent) >= _least
    ),
    ripe AS MATERIALIZED (
        SELECT c.*, f.fed
          FROM counted c
         CROSS JOIN LATERAL (
             SELECT count(*) AS fed
               FROM network_sections s
               JOIN network_distribution_points d ON d.section_id = s.id
              WHERE s.path @> ARRAY[c.device] AND s.energized
                AND EXISTS (SELECT 1 FROM oms_meters m
                             WHERE m.dp_id = d.id AND m.status = 'active'
                               AND m.meter_type NOT IN ('conventional', 'prepaid'))) f
         WHERE c.dps >= outages_rule(c.kind || '_rollup_fraction',
                                     CASE c.kind WHEN 'switch' THEN 2 ELSE 0.5 END) * f.fed
           AND NOT EXISTS (SELECT 1 FROM oms_outage_events a
                            WHERE a.status = ANY (outages_active_statuses())
                              AND a.scope IN ('recloser', 'sectionalizer', 'switch', 'fuse')
                              AND a.device_id = ANY (c.above || c.device))
    ),
    -- The out device nearest the re-energized one explains the DPs below it.
    chosen AS (
        SELECT r.* FROM ripe r
         WHERE NOT EXISTS (SELECT 1 FROM ripe a
                            WHERE (a.scope, a.device_id, a.energized_at)
                                = (r.scope, r.device_id, r.energized_at)
                              AND a.device = ANY (r.above))
    ),
    units AS (
        SELECT c.kind AS unit_scope, c.device AS unit, c.energized_at, c.scope, c.device_id,
               format('%s transformers of the %s it feeds', c.dps, c.fed) AS what,
               (SELECT array_agg(x.m) FROM dps d, unnest(d.meters) AS x(m)
                 WHERE (d.scope, d.device_id, d.energized_at)
                     = (c.scope, c.device_id, c.energized_at)
                   AND d.path @> ARRAY[c.device] AND d.silent > 0) AS meters
          FROM chosen c
        UNION ALL
        SELECT 'dp', d.dp_id, d.energized_at, d.scope, d.device_id,
               'the transformer', d.meters
          FROM dps d
         WHERE d.silent >= _least AND NOT d.back
           AND NOT EXISTS (SELECT 1 FROM chosen c
                            WHERE (c.scope, c.device_id, c.energized_at)
                                = (d.scope, d.device_id, d.energized_at)
                              AND d.path @> ARRAY[c.device])
           AND NOT EXISTS (SELECT 1 FROM oms_outage_events a
                            WHERE a.status = ANY (outages_active_statuses())
                              AND a.scope = 'dp' AND a.device_id = d.dp_id)
    )
    SELECT coalesce(array_agg(u.unit_scope), '{}'), coalesce(array_agg(u.unit), '{}'),
           coalesce(array_agg(u.energized_at), '{}'), coalesce(array_agg(x.meter), '{}'),
           coalesce(array_agg(format(
               'Not back after %s %s was re-energized at %s: %s meter(s) on %s sent no '
               'power-up within %s s, while %s of the %s reporters below it did (AMI '
               'restoration check)',
               u.scope, topology_device_code(u.scope, u.device_id),
               to_char(u.energized_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'),
               cardinality(u.meters), u.what, trim_scale(extract(epoch FROM _wait)), g.back,
               g.judged)), '{}')
      INTO _u_scope, _u_device, _u_at, _u_meter, _u_why
      FROM units u
      JOIN groups g USING (scope, device_id, energized_at)
     CROSS JOIN LATERAL unnest(u.meters) AS x(meter);
    IF cardinality(_u_meter) = 0 THEN
        RETURN cardinality(_taken);
    END IF;

    -- The silent meters go off on the engine's evidence, dated at the re-energization: any
    -- power-up of theirs dated after it restores them.
    _rows := ARRAY(
        SELECT DISTINCT ON (u.meter)
               ROW(u.meter, 'off', u.at, 'oms',
                   'no_restoration/' || u.scope || '/' || u.unit || '/'
                       || to_char(u.at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS.US'),
                   'no_restoration', NULL)::oms_evidence
          FROM unnest(_u_scope, _u_device, _u_at, _u_meter) AS u(scope, unit, at, meter)
         ORDER BY u.meter, u.at DESC);
    PERFORM meters_record_power_evidence(_rows);
    FOR _unit IN
        SELECT x.scope, array_agg(x.unit ORDER BY x.unit) AS devices,
               array_agg(x.at ORDER BY x.unit) AS starts
          FROM (SELECT u.scope, u.unit, min(u.at) AS at
                  FROM unnest(_u_scope, _u_device, _u_at) AS u(scope, unit, at)
                 GROUP BY u.scope, u.unit) x
         GROUP BY x.scope
    LOOP
        PERFORM outages_stand_at(_unit.scope, _unit.devices, _unit.starts,
                                 CASE WHEN _unit.scope IN ('dp', 'fuse') THEN 'medium'
                                      ELSE 'high' END);
    END LOOP;
    INSERT INTO oms_event_timeline
        (outage_event_id, event_type, status, description, actor, metadata, event_timestamp,
         created_at)
    SELECT o.id, 'predicted', o.status, w.why, 'engine',
           jsonb_build_object('restoration_check', true, 'silent_meters', w.meters), w.at, now()
      FROM (SELECT u.scope, u.unit, min(u.at) AS at, min(u.why) AS why, count(*) AS meters
              FROM unnest(_u_scope, _u_device, _u_at, _u_why) AS u(scope, unit, at, why)
             GROUP BY u.scope, u.unit) w
      JOIN oms_outage_events o ON o.scope = w.scope AND o.device_id = w.unit
                              AND o.status = ANY (outages_active_statuses());
    PERFORM outages_correlate(_rows);
    RETURN cardinality(_taken);
END;
$$;
