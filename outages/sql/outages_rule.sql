-- outages_rule(_name text, _default numeric) → numeric
-- A tunable from oms_correlation_rules (edited by data stewards), or _default. STABLE.
CREATE OR REPLACE FUNCTION outages_rule(_name text, _default numeric) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT value FROM oms_correlation_rules WHERE rule_name = _name), _default)
$$;
