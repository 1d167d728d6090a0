-- topology_derive_feeding(_feeder_ids bigint[]) → (section_id, energized) per section whose
-- energization changed
-- Derives what each feeder feeds from the devices' states (NETWORK-MODEL.md), for the given
-- feeders and the feeders tied to them by closed devices (NULL: every feeder):
--   1. as operated: a walk from every closed feeder's head section through closed devices; a
--      section reached from several feeders takes the smallest depth, then the smallest feeder
--      id; what the walk reaches is energized;
--   2. sections it does not reach keep the feeder, fed-through device and path of the normal
--      configuration (the same walk over normal states), de-energized;
--   3. writes only what differs: sections, devices' derived columns, DPs' feeder, then the
--      meters of DPs that moved (topology_rederive_meters).
-- Takes the network lock (topology_lock_network), then the feeder locks of every feeder it may
-- move meters from or to, in the one order, before writing. Feeders without a head section get one, DPs without a
-- section hang on their feeder's head section.
CREATE OR REPLACE FUNCTION topology_derive_feeding(_feeder_ids bigint[])
RETURNS TABLE (section_id bigint, energized boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    _feeders bigint[];
    _locked bigint[];
    _dps bigint[];
BEGIN
    PERFORM topology_lock_network();
    INSERT INTO network_sections (code, feeder_id, energized, path, depth, created_at, updated_at)
    SELECT 'feeder:' || f.feeder_id, f.id, false, '{}', 0, now(), now()
      FROM network_feeders f
     WHERE f.head_section_id IS NULL AND (_feeder_ids IS NULL OR f.id = ANY (_feeder_ids))
    ON CONFLICT (code) DO NOTHING;
    UPDATE network_feeders f SET head_section_id = s.id
      FROM network_sections s
     WHERE f.head_section_id IS NULL AND s.code = 'feeder:' || f.feeder_id
       AND (_feeder_ids IS NULL OR f.id = ANY (_feeder_ids));
    UPDATE network_distribution_points d SET section_id = f.head_section_id
      FROM network_feeders f
     WHERE d.section_id IS NULL AND f.id = d.feeder_id
       AND (_feeder_ids IS NULL OR f.id = ANY (_feeder_ids));

    -- The feeders concerned: those given, grown by the feeders their areas touch through
    -- closed devices and by the feeders their DPs are recorded under, until nothing grows;
    -- read under the network lock, so nothing moves meanwhile, then locked in ascending order.
    _feeders := CASE WHEN _feeder_ids IS NULL THEN ARRAY(SELECT id FROM network_feeders)
                     ELSE _feeder_ids END;
    LOOP
        _locked := _feeders;
        _feeders := array_remove(ARRAY(
            SELECT unnest(_locked)
            UNION
            SELECT unnest(ARRAY[a.feeder_id, b.feeder_id])
              FROM network_devices v
              JOIN network_sections a ON a.id = v.section_a_id
              JOIN network_sections b ON b.id = v.section_b_id
             WHERE v.state = 'closed'
               AND (a.feeder_id = ANY (_locked) OR b.feeder_id = ANY (_locked))
            UNION
            SELECT unnest(ARRAY[d.feeder_id, s.feeder_id])
              FROM network_distribution_points d JOIN network_sections s ON s.id = d.section_id
             WHERE d.feeder_id IS DISTINCT FROM s.feeder_id
               AND (d.feeder_id = ANY (_locked) OR s.feeder_id = ANY (_locked))), NULL);
        EXIT WHEN _feeders <@ _locked;
    END LOOP;
    PERFORM topology_lock_feeders(_locked);

    RETURN QUERY
    WITH RECURSIVE edges AS (
        SELECT v.id AS device_id, v.section_a_id AS here, v.section_b_id AS there, v.state,
               v.normal_state
          FROM network_devices v
        UNION ALL
        SELECT v.id, v.section_b_id, v.section_a_id, v.state, v.normal_state
          FROM network_devices v
    ), operated (section_id, feeder_id, depth, path, fed_through) AS (
        SELECT f.head_section_id, f.id, 0, '{}'::bigint[], NULL::bigint
          FROM network_feeders f
         WHERE f.id = ANY (_locked) AND f.state = 'closed' AND f.head_section_id IS NOT NULL
        UNION ALL
        SELECT e.there, w.feeder_id, w.depth + 1, w.path || e.device_id, e.device_id
          FROM operated w JOIN edges e ON e.here = w.section_id AND e.state = 'closed'
    ) CYCLE section_id SET looped USING visited,
    normal (section_id, feeder_id, depth, path, fed_through) AS (
        SELECT f.head_section_id, f.id, 0, '{}'::bigint[], NULL::bigint
          FROM network_feeders f WHERE f.head_section_id IS NOT NULL
        UNION ALL
        SELECT e.there, w.feeder_id, w.depth + 1, w.path || e.device_id, e.device_id
          FROM normal w JOIN edges e ON e.here = w.section_id AND e.normal_state = 'closed'
    ) CYCLE section_id SET looped USING visited,
    best_operated AS (
        SELECT DISTINCT ON (o.section_id) o.* FROM operated o WHERE NOT o.looped
         ORDER BY o.section_id, o.depth, o.feeder_id
    ), best_normal AS (
        SELECT DISTINCT ON (n.section_id) n.* FROM normal n WHERE NOT n.looped
         ORDER BY n.section_id, n.depth, n.feeder_id
    ), target AS (
        SELECT s.id, s.energized AS was_energized,
               o.section_id IS NOT NULL AS energized,
               coalesce(o.feeder_id, n.feeder_id, s.feeder_id) AS feeder_id,
               CASE WHEN o.section_id IS NOT NULL THEN o.fed_through
                    WHEN n.section_id IS NOT NULL THEN n.fed_through
                    ELSE s.fed_through_id END AS fed_through,
               coalesce(o.path, n.path, s.path) AS path,
               coalesce(o.depth, n.depth, s.depth) AS depth
          FROM network_sections s
          LEFT JOIN best_operated o ON o.section_id = s.id
          LEFT JOIN best_normal n ON n.section_id = s.id
         WHERE o.section_id IS NOT NULL OR s.feeder_id = ANY (_locked)
            OR (s.feeder_id IS NULL AND n.section_id IS NOT NULL)
    ), written AS (
        UPDATE network_sections s
           SET feeder_id = t.feeder_id, energized = t.energized, fed_through_id = t.fed_through,
               path = t.path, depth = t.depth, updated_at = now()
          FROM target t
         WHERE s.id = t.id
           AND (s.feeder_id, s.energized, s.fed_through_id, s.path, s.depth)
               IS DISTINCT FROM (t.feeder_id, t.energized, t.fed_through, t.path, t.depth)
        RETURNING s.id, t.was_energized, t.energized
    )
    SELECT w.id, w.energized FROM written w WHERE w.energized IS DISTINCT FROM w.was_energized;

    -- A device is fed from its side that is not fed through it; an open one from its side a.
    UPDATE network_devices v
       SET upstream_section_id = u.id, feeder_id = u.feeder_id, energized = u.energized,
           updated_at = now()
      FROM network_devices d
      JOIN network_sections a ON a.id = d.section_a_id
      JOIN network_sections b ON b.id = d.section_b_id
      JOIN network_sections u ON u.id = CASE WHEN a.fed_through_id = d.id
                                                  AND b.fed_through_id IS DISTINCT FROM d.id
                                             THEN b.id ELSE a.id END
     WHERE v.id = d.id
       AND (a.feeder_id = ANY (_locked) OR b.feeder_id = ANY (_locked)
            OR d.feeder_id = ANY (_locked) OR d.feeder_id IS NULL)
       AND (v.upstream_section_id, v.feeder_id, v.energized)
           IS DISTINCT FROM (u.id, u.feeder_id, u.energized);

    WITH moved AS (
        UPDATE network_distribution_points d SET feeder_id = s.feeder_id, updated_at = now()
          FROM network_sections s
         WHERE s.id = d.section_id AND s.feeder_id IS NOT NULL
           AND d.feeder_id IS DISTINCT FROM s.feeder_id
           AND (s.feeder_id = ANY (_locked) OR d.feeder_id = ANY (_locked))
        RETURNING d.id
    )
    SELECT array_agg(m.id) INTO _dps FROM moved m;
    IF _dps IS NOT NULL THEN
        PERFORM topology_rederive_meters(ARRAY(
            SELECT m.id FROM oms_meters m WHERE m.dp_id = ANY (_dps) ORDER BY m.id));
    END IF;
END;
$$;
