-- topology_path_above(_scope text, _device_id bigint) → jsonb
-- The devices above a device in the network as operated now, nearest first, up to its
-- substation: [{"kind", "code"}, …] — for a meter its DP, then the in-line devices of its
-- section's derived path, then its feeder and substation. '[]' for a substation. STABLE.
CREATE OR REPLACE FUNCTION topology_path_above(_scope text, _device_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH here AS (
        SELECT CASE _scope WHEN 'meter' THEN m.dp_id END AS dp_id,
               coalesce(d.section_id, v.upstream_section_id) AS section_id,
               CASE WHEN _scope = 'feeder' THEN _device_id END AS own_feeder
          FROM (SELECT 1) one
          LEFT JOIN oms_meters m ON _scope = 'meter' AND m.id = _device_id
          LEFT JOIN network_distribution_points d
            ON d.id = CASE _scope WHEN 'meter' THEN m.dp_id WHEN 'dp' THEN _device_id END
          LEFT JOIN network_devices v
            ON _scope IN ('recloser', 'sectionalizer', 'switch', 'fuse') AND v.id = _device_id
    ), parts AS (
        SELECT 0::bigint AS ord, jsonb_build_object('kind', 'dp', 'code', d.dp_id) AS item
          FROM here h JOIN network_distribution_points d ON d.id = h.dp_id
        UNION ALL
        SELECT 1 + cardinality(s.path) - p.i, jsonb_build_object('kind', v.kind, 'code', v.code)
          FROM here h JOIN network_sections s ON s.id = h.section_id
         CROSS JOIN LATERAL unnest(s.path) WITH ORDINALITY AS p(id, i)
          JOIN network_devices v ON v.id = p.id
        UNION ALL
        SELECT 1000000, jsonb_build_object('kind', 'feeder', 'code', f.feeder_id)
          FROM here h JOIN network_sections s ON s.id = h.section_id
          JOIN network_feeders f ON f.id = s.feeder_id
        UNION ALL
        SELECT 1000001, jsonb_build_object('kind', 'substation', 'code', ss.substation_id)
          FROM here h
          LEFT JOIN network_sections s ON s.id = h.section_id
          JOIN network_feeders f ON f.id = coalesce(h.own_feeder, s.feeder_id)
          JOIN network_substations ss ON ss.id = f.substation_id
    )
    SELECT coalesce(jsonb_agg(item ORDER BY ord), '[]') FROM parts
$$;
