-- outages_predict_ripe(_scope text, _feeder_ids bigint[], _proven_feeders bigint[],
--                      _window interval, _kinds text[]) → (device, started, dps_out)
-- outages_predict's top two levels: the feeders ('feeder') or substations ('substation') of
-- _feeder_ids whose rule the DPs out below them meet (and no meter of theirs has had power
-- since the window opened) (outages_predict_units; at least
-- <scope>_rollup_dp_count distinct DPs inside one window, at least <scope>_rollup_fraction
-- of the DPs with meters they feed now, on at least two branches: outages_predict_branch below
-- a feeder (with outages_predict's _kinds), feeders of a substation), with the window's start. Not a candidate: a feeder
-- open as operated, one that is out already (or its substation), and a feeder, or a substation
-- of a feeder, in _proven_feeders (telemetry shows it in). STABLE.
CREATE OR REPLACE FUNCTION outages_predict_ripe(_scope text, _feeder_ids bigint[],
                                                _proven_feeders bigint[], _window interval,
                                                _kinds text[])
RETURNS TABLE (device bigint, started timestamptz, dps_out bigint)
LANGUAGE sql STABLE AS $$
    WITH units AS (
        SELECT CASE _scope WHEN 'feeder' THEN f.id ELSE f.substation_id END AS device,
               u.dp_id, min(u.started) AS started,
               CASE _scope WHEN 'feeder' THEN b.branch ELSE u.feeder_id END AS branch
          FROM outages_predict_units(_feeder_ids) u JOIN network_feeders f ON f.id = u.feeder_id,
               outages_predict_branch(u.path, 0, u.dp_id, _kinds) b
         GROUP BY 1, 2, 4
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
    candidates AS (
        SELECT b.device, b.started, b.out,
               array_agg(f.id) AS feeders, bool_and(f.state = 'closed') AS closed,
               bool_or(f.id = ANY (_proven_feeders)) AS proven,
               max(f.substation_id) AS substation_id
          FROM best b
          JOIN network_feeders f
            ON (CASE _scope WHEN 'feeder' THEN f.id ELSE f.substation_id END) = b.device
         WHERE b.out >= outages_rule(_scope || '_rollup_dp_count', 2)
           AND (SELECT count(DISTINCT u.branch) FROM units u
                 WHERE u.device = b.device
                   AND u.started BETWEEN b.started AND b.started + _window) >= 2
         GROUP BY b.device, b.started, b.out
    ),
    -- The cheap tests first (MATERIALIZED): the DPs and meters of a feeder out already (every
    -- DP of a feeder outage is a DP out, so it is a candidate in every batch of a storm) are
    -- never counted.
    standing AS MATERIALIZED (
        SELECT c.*, outages_rule(_scope || '_rollup_fraction',
                                 CASE _scope WHEN 'feeder' THEN 0.5 ELSE 0.75 END) AS fraction
          FROM candidates c
         WHERE (c.closed OR _scope = 'substation') AND NOT c.proven
           AND NOT EXISTS (SELECT 1 FROM oms_outage_events a
                            WHERE a.status = ANY (outages_active_statuses())
                              AND ((a.scope = 'substation' AND a.device_id = c.substation_id)
                                OR (a.scope = 'feeder' AND a.device_id = c.device
                                    AND _scope = 'feeder')))
    ),
    -- Enough DPs out: at least the fraction of the DPs with meters they feed, counted only up
    -- to the number that would be too many.
    ripe AS MATERIALIZED (
        SELECT c.*
          FROM standing c
         WHERE c.fraction <= 0
            OR (SELECT count(*)
                  FROM (SELECT 1 FROM network_sections s
                          JOIN network_distribution_points d ON d.section_id = s.id
                         WHERE s.feeder_id = ANY (c.feeders) AND s.energized
                           AND EXISTS (SELECT 1 FROM oms_meters m
                                        WHERE m.dp_id = d.id AND m.status = 'active')
                         LIMIT floor(c.out / c.fraction)::bigint + 1) n)
               <= c.out / c.fraction
    )
    SELECT c.device, c.started, c.out
      FROM ripe c
       -- a meter of theirs with power since the window opened shows they are in
     WHERE NOT EXISTS (SELECT 1 FROM oms_meters m
                        WHERE m.feeder_id = ANY (c.feeders) AND m.power_status = 'on'
                          AND m.last_power_change >= c.started)
$$;
