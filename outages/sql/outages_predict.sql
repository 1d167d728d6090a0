-- outages_predict(_feeder_ids bigint[]) → void
-- Prediction on the tree as operated (CONTRACT §11): the DPs out on these feeders (DP outages,
-- and every DP of a device already out, outages_predict_units) climb to the nearest upstream
-- device that explains them, one tree level at a time from the deepest up (in-line devices by
-- their depth in the sections' path, then feeders, then substations), set-based per level
-- (the DPs out below every in-line device, outages_predict_steps, are read once, and again
-- only after a level predicted an outage).
-- A device of kind K is predicted out when, inside one rollup window, at least
-- K_rollup_dp_count distinct DPs below it are out and they are at least K_rollup_fraction of
-- the DPs with meters it feeds now, and they lie on at least two of its branches (a DP, or the
-- nearest device below it that can be out on its own, outages_predict_branch): evidence below
-- one child only is explained by that child, the nearer device (a substation with one feeder
-- out is a feeder outage); its
-- outage absorbs the outages below it
-- (outages_stand_at), so at the next level up it counts all its DPs as out. Faults that do not
-- meet the rule above them stay separate outages. Never a candidate:
--   * a device open as operated, or de-energized by an open device above it;
--   * a device with an active outage at or above it (it is out already);
--   * a telemetered device that is closed, energized and has no outage of its own (its
--     telemetry shows it in), and every device above one: the climb stops below it. Its own
--     SCADA trip or loss of voltage is a fact (outages_de_energize_device), not a prediction;
--   * a device with a meter below it that has had power since the window opened (a power-up
--     or a restoration newer than the evidence: the device is in).
-- Each prediction is logged on its outage's timeline with the count that made it
-- (outages_log_prediction).
-- A kind whose fraction is above 1 is never predicted (default for switches: a switch does not
-- interrupt a fault, so its evidence climbs through it to the protective device above).
CREATE OR REPLACE FUNCTION outages_predict(_feeder_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    _window interval := outages_rule('rollup_window_minutes', 15) * interval '1 minute';
    _proven bigint[];
    _proven_feeders bigint[];
    _substation_feeders bigint[];
    _level integer;
    _ripe record;
    _devices bigint[];
    _starts timestamptz[];
    _outs bigint[];
    _kinds text[] := outages_predict_kinds();
    -- outages_predict_steps, read again only after a level predicted an outage
    _stale boolean := true;
    _u_level integer[];
    _u_device bigint[];
    _u_dp bigint[];
    _u_started timestamptz[];
    _u_branch bigint[];
BEGIN
    IF coalesce(cardinality(_feeder_ids), 0) = 0 THEN
        RETURN;
    END IF;
    -- The feeders of the substations concerned (a substation's rule counts them all).
    _substation_feeders := ARRAY(
        SELECT f.id FROM network_feeders f
         WHERE f.substation_id IN (SELECT g.substation_id FROM network_feeders g
                                    WHERE g.id = ANY (_feeder_ids)));
    -- In-line devices whose telemetry shows them in, and every device above them; feeders
    -- whose breaker's telemetry, or a device's below it, shows them in.
    WITH shown AS (
        SELECT t.id, t.feeder_id, us.path
          FROM network_devices t JOIN network_sections us ON us.id = t.upstream_section_id
         WHERE t.feeder_id = ANY (_substation_feeders) AND t.telemetered
           AND t.state = 'closed' AND t.energized
           AND NOT EXISTS (SELECT 1 FROM oms_outage_events a
                            WHERE a.scope = t.kind AND a.device_id = t.id
                              AND a.status = ANY (outages_active_statuses()))
    )
    SELECT coalesce(array_agg(DISTINCT x.id), '{}'),
           coalesce(array_agg(DISTINCT x.feeder_id), '{}')
      INTO _proven, _proven_feeders
      FROM (SELECT s.id, s.feeder_id FROM shown s
            UNION ALL
            SELECT p.id, s.feeder_id FROM shown s, unnest(s.path) AS p(id)) x;
    _proven_feeders := _proven_feeders || ARRAY(
        SELECT f.id FROM network_feeders f
         WHERE f.id = ANY (_substation_feeders) AND f.telemetered AND f.state = 'closed'
           AND NOT EXISTS (SELECT 1 FROM oms_outage_events a
                            WHERE a.scope = 'feeder' AND a.device_id = f.id
                              AND a.status = ANY (outages_active_statuses())));

    -- In-line devices, deepest level first.
    LOOP
        IF _stale THEN
            SELECT array_agg(u.level), array_agg(u.device), array_agg(u.dp_id),
                   array_agg(u.started), array_agg(u.branch)
              INTO _u_level, _u_device, _u_dp, _u_started, _u_branch
              FROM outages_predict_steps(_feeder_ids, _kinds) u;
            _level := coalesce(_level, (SELECT max(l) FROM unnest(_u_level) l));
            _stale := false;
        END IF;
        EXIT WHEN coalesce(_level, 0) < 1;
        -- Two branches need two DPs: a level where no device has two out below it is skipped.
        IF EXISTS (SELECT 1 FROM unnest(_u_level, _u_device) AS u(level, device)
                    WHERE u.level = _level GROUP BY u.device HAVING count(*) >= 2) THEN
            FOR _ripe IN
                WITH units AS (
                    SELECT u.device, u.dp_id, u.started, u.branch
                      FROM unnest(_u_level, _u_device, _u_dp, _u_started, _u_branch)
                               AS u(level, device, dp_id, started, branch)
                     WHERE u.level = _level
                ),
                windows AS (
                    SELECT u.device, u.started,
                           count(*) OVER (PARTITION BY u.device ORDER BY u.started
                                          RANGE BETWEEN CURRENT ROW AND _window FOLLOWING) AS out
                      FROM units u
                ),
                best AS (
                    SELECT DISTINCT ON (w.device) w.device, w.started, w.out
                      FROM windows w ORDER BY w.device, w.out DESC, w.started
                ),
                -- The cheap tests first (MATERIALIZED): the DPs and meters below a device are
                -- read only for a device that passes them.
                candidates AS MATERIALIZED (
                    SELECT v.kind, v.id, b.started, b.out
                      FROM best b
                      JOIN network_devices v ON v.id = b.device
                      JOIN network_sections us ON us.id = v.upstream_section_id
                     WHERE v.state = 'closed' AND v.energized AND NOT v.id = ANY (_proven)
                       AND b.out >= outages_rule(v.kind || '_rollup_dp_count', 2)
                       AND (SELECT count(DISTINCT u.branch) FROM units u
                             WHERE u.device = b.device
                               AND u.started BETWEEN b.started AND b.started + _window) >= 2
                       AND NOT EXISTS (
                           SELECT 1 FROM oms_outage_events a
                            WHERE a.status = ANY (outages_active_statuses())
                              AND ((a.scope IN ('recloser', 'sectionalizer', 'switch', 'fuse')
                                    AND a.device_id = ANY (us.path || v.id))
                                OR (a.scope = 'feeder' AND a.device_id = v.feeder_id)
                                OR (a.scope = 'substation' AND a.device_id = (
                                        SELECT f.substation_id FROM network_feeders f
                                         WHERE f.id = v.feeder_id))))
                ),
                -- Enough DPs out: at least <kind>_rollup_fraction of those it feeds, counted
                -- only up to the number that would be too many (a device near the head feeds
                -- all the feeder's DPs).
                ripe AS MATERIALIZED (
                    SELECT c.*
                      FROM (SELECT c.*, outages_rule(c.kind || '_rollup_fraction',
                                                     CASE c.kind WHEN 'switch' THEN 2
                                                                 ELSE 0.5 END) AS fraction
                              FROM candidates c) c
                     WHERE c.fraction <= 0
                        OR (SELECT count(*)
                              FROM (SELECT 1 FROM network_sections s
                                      JOIN network_distribution_points d
                                        ON d.section_id = s.id
                                     WHERE s.path @> ARRAY[c.id] AND s.energized
                                       AND EXISTS (SELECT 1 FROM oms_meters m
                                                    WHERE m.dp_id = d.id
                                                      AND m.status = 'active')
                                     LIMIT floor(c.out / c.fraction)::bigint + 1) n)
                           <= c.out / c.fraction
                )
                SELECT c.kind, array_agg(c.id ORDER BY c.id) AS devices,
                       array_agg(c.started ORDER BY c.id) AS starts,
                       array_agg(c.out ORDER BY c.id) AS outs
                  FROM ripe c
                 -- a meter below it with power since the window opened shows it is in
                 WHERE NOT EXISTS (SELECT 1 FROM network_sections s
                                     JOIN network_distribution_points d ON d.section_id = s.id
                                     JOIN oms_meters m ON m.dp_id = d.id
                                    WHERE s.path @> ARRAY[c.id] AND s.energized
                                      AND m.power_status = 'on'
                                      AND m.last_power_change >= c.started)
                 GROUP BY c.kind
            LOOP
                PERFORM outages_stand_at(_ripe.kind, _ripe.devices, _ripe.starts,
                                         CASE _ripe.kind WHEN 'fuse' THEN 'medium' ELSE 'high' END);
                PERFORM outages_log_prediction(_ripe.kind, _ripe.devices, _ripe.outs);
                _stale := true;
            END LOOP;
        END IF;
        _level := _level - 1;
    END LOOP;

    -- Feeders (their head breakers).
    SELECT coalesce(array_agg(r.device ORDER BY r.device), '{}'),
           coalesce(array_agg(r.started ORDER BY r.device), '{}'),
           coalesce(array_agg(r.dps_out ORDER BY r.device), '{}')
      INTO _devices, _starts, _outs
      FROM outages_predict_ripe('feeder', _feeder_ids, _proven_feeders, _window, _kinds) r;
    PERFORM outages_stand_at('feeder', _devices, _starts, 'high');
    PERFORM outages_log_prediction('feeder', _devices, _outs);

    -- Substations: every feeder of theirs counts.
    SELECT coalesce(array_agg(r.device ORDER BY r.device), '{}'),
           coalesce(array_agg(r.started ORDER BY r.device), '{}'),
           coalesce(array_agg(r.dps_out ORDER BY r.device), '{}')
      INTO _devices, _starts, _outs
      FROM outages_predict_ripe('substation', _substation_feeders, _proven_feeders, _window,
                                   _kinds) r;
    PERFORM outages_stand_at('substation', _devices, _starts, 'critical');
    PERFORM outages_log_prediction('substation', _devices, _outs);
END;
$$;
