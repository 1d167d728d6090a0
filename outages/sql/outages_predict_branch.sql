-- outages_predict_branch(_path bigint[], _below integer, _dp_id bigint, _kinds text[])
--   → TABLE (branch bigint), one row
-- The branch a DP lies on as seen from the device at position _below of its section's path
-- (0: from the feeder): the first device after that position that can be out on its own (of
-- one of _kinds, outages_predict_kinds: the kinds outages_predict may predict), or the DP
-- itself (as -_dp_id) when there is none. Evidence on one branch only is explained by that
-- branch. It runs for every DP out at every level of the climb, so it is made to be inlined
-- into its caller (a one-row table function, used as LATERAL; a scalar SQL function with a
-- subquery is called row by row), each device of the path is looked up by its key, and the
-- kinds are the caller's, read once (a rule read per device of every path made the prediction
-- of a storm on IEEE 8500 cost seconds per batch). STABLE.
CREATE OR REPLACE FUNCTION outages_predict_branch(_path bigint[], _below integer, _dp_id bigint,
                                                  _kinds text[])
RETURNS TABLE (branch bigint)
LANGUAGE sql STABLE ROWS 1 AS $$
    SELECT coalesce(
        (SELECT p.id
           FROM unnest(_path[_below + 1:]) WITH ORDINALITY AS p(id, n)
          WHERE (SELECT v.kind FROM network_devices v WHERE v.id = p.id) = ANY (_kinds)
          ORDER BY p.n LIMIT 1),
        -_dp_id)
$$;
