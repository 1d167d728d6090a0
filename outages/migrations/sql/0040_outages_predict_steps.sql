-- outages_predict_steps(_feeder_ids bigint[], _kinds text[])
--   → (level, device, dp_id, started, branch)
-- The evidence of outages_predict's climb through the in-line devices, every level at once: for
-- each DP out on these feeders (outages_predict_units, its earliest start) and each in-line
-- device of its section's path, the device's level (its position in the path), and the branch
-- the DP lies on as seen from that device (as outages_predict_branch: the first device after it
-- of one of _kinds, else -dp_id). One statement instead of one per level: the climb reads it
-- again only after a level predicted an outage (the only change to what it reads). Each
-- distinct path is read once, its devices by their key. A device on a feeder out at the feeder
-- or its substation cannot be predicted (outages_predict) and has no row: a feeder outage makes
-- every DP of its feeder a DP out, and the climb would weigh each of them at every level for
-- nothing. STABLE.
CREATE OR REPLACE FUNCTION outages_predict_steps(_feeder_ids bigint[], _kinds text[])
RETURNS TABLE (level integer, device bigint, dp_id bigint, started timestamptz, branch bigint)
LANGUAGE sql STABLE AS $$
    WITH units AS (
        SELECT u.dp_id, u.path, min(u.started) AS started
          FROM outages_predict_units(_feeder_ids) u
         GROUP BY u.dp_id, u.path
    ),
    devices AS (
        SELECT p.path, s.n::integer AS n, s.id, v.kind, v.feeder_id
          FROM (SELECT DISTINCT u.path FROM units u) p
         CROSS JOIN LATERAL unnest(p.path) WITH ORDINALITY AS s(id, n)
          LEFT JOIN network_devices v ON v.id = s.id
    ),
    out_feeders AS MATERIALIZED (
        SELECT f.id
          FROM network_feeders f
         WHERE f.id IN (SELECT d.feeder_id FROM devices d)
           AND EXISTS (SELECT 1 FROM oms_outage_events a
                        WHERE a.status = ANY (outages_active_statuses())
                          AND ((a.scope = 'feeder' AND a.device_id = f.id)
                            OR (a.scope = 'substation' AND a.device_id = f.substation_id)))
    ),
    steps AS MATERIALIZED (
        SELECT x.path, x.n, x.id, x.next
          FROM (SELECT d.path, d.n, d.id, d.feeder_id,
                       d.path[min(d.n) FILTER (WHERE d.kind = ANY (_kinds))
                                  OVER (PARTITION BY d.path ORDER BY d.n
                                        ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)]
                           AS next
                  FROM devices d) x
         WHERE NOT EXISTS (SELECT 1 FROM out_feeders o WHERE o.id = x.feeder_id)
    )
    SELECT s.n, s.id, u.dp_id, u.started, coalesce(s.next, -u.dp_id)
      FROM units u JOIN steps s ON s.path = u.path
$$;
