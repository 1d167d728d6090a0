-- outages_weight(_provider text) → numeric: the provider's confidence weight (rule weight_<p>).
CREATE OR REPLACE FUNCTION outages_weight(_provider text) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT least(greatest(outages_rule('weight_' || _provider, 0.5), 0), 1)
$$;
