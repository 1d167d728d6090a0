-- outages_confidence_rules() → one row: the active rule set's values that outages_confidence
-- weighs evidence with. Read once per statement (a function scan), not once per outage.
CREATE OR REPLACE FUNCTION outages_confidence_rules()
RETURNS TABLE (ami_cap numeric, full_share numeric, meter_weight numeric, call_share numeric,
               call_weight numeric, operator_weight numeric)
LANGUAGE sql STABLE AS $$
    SELECT least(greatest(outages_rule('confidence_ami_cap', 0.95), 0), 1),
           greatest(outages_rule('confidence_full_share', 0.8), 0.001),
           least(greatest(outages_rule('confidence_meter_weight', 0.5), 0), 1),
           greatest(outages_rule('confidence_call_share', 0.2), 0.001),
           outages_weight('call_center'),
           outages_weight('operator')
$$;
