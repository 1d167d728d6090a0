-- outages_predict_kinds() → text[]
-- The device kinds outages_predict may predict out on their own: <kind>_rollup_fraction at
-- most 1 (not a switch by default: a switch does not interrupt a fault). Read once per call of
-- the prediction and handed to outages_predict_branch, which reads it for every DP at every
-- level. STABLE.
CREATE OR REPLACE FUNCTION outages_predict_kinds() RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT ARRAY(
        SELECT k.kind
          FROM unnest(ARRAY['recloser', 'sectionalizer', 'switch', 'fuse']) AS k(kind)
         WHERE outages_rule(k.kind || '_rollup_fraction',
                            CASE k.kind WHEN 'switch' THEN 2 ELSE 0.5 END) <= 1)
$$;
