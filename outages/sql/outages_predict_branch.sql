-- outages_predict_branch(_path bigint[], _below integer, _dp_id bigint) → bigint
-- The branch a DP lies on as seen from the device at position _below of its section's path
-- (0: from the feeder): the first device after that position that can be out on its own (a
-- kind outages_predict may predict: <kind>_rollup_fraction at most 1, so not a switch by
-- default), or the DP itself (as -_dp_id) when there is none. Evidence on one branch only is
-- explained by that branch. STABLE.
CREATE OR REPLACE FUNCTION outages_predict_branch(_path bigint[], _below integer, _dp_id bigint)
RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT p.id
           FROM unnest(_path[_below + 1:]) WITH ORDINALITY AS p(id, n)
           JOIN network_devices v ON v.id = p.id
          WHERE outages_rule(v.kind || '_rollup_fraction',
                             CASE v.kind WHEN 'switch' THEN 2 ELSE 0.5 END) <= 1
          ORDER BY p.n LIMIT 1),
        -_dp_id)
$$;
