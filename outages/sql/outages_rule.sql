-- outages_rule(_name text, _default numeric) → numeric
-- A tunable from oms_correlation_rules (edited by data stewards): the active rule set's value,
-- else the `normal` set's, else _default. STABLE.
CREATE OR REPLACE FUNCTION outages_rule(_name text, _default numeric) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT r.value
           FROM oms_correlation_rules r JOIN oms_rule_sets s ON s.id = r.rule_set_id
          WHERE r.rule_name = _name AND (s.active OR s.name = 'normal')
          ORDER BY s.active DESC
          LIMIT 1),
        _default)
$$;
