-- outages_confidence(_fact, _reporting, _meters, _calls, _customers, <outages_confidence_rules>)
--   → numeric (0…1, 3 places)
-- The engine's estimate that an outage stands at the right device, from the evidence for that
-- device (CONTRACT §11):
--   * a fact — telemetry at the device itself (SCADA loss of voltage or trip there, an
--     operator's switching) or an operator's confirmation — gives its provider's weight (1.0);
--   * otherwise AMI and calls, capped at confidence_ami_cap (< 1: a roll-up is a prediction):
--       AMI    a = min(1, share / confidence_full_share) · (1 − (1 − confidence_meter_weight)^n)
--              n of the device's meters report off now (power-ups drop out), share = n / its
--              meters: the share says it is this device and not one below, n that it is no
--              noise (one meter's last gasp alone is half the cap);
--       calls  c = min(1, k / customers / confidence_call_share) · (1 − (1 − weight_call_center)^k)
--              k customer calls, as a share of the device's customers;
--       estimate = confidence_ami_cap · (1 − (1 − a)(1 − c)).
-- Arithmetic over counts its caller aggregates per outage (outages_refresh) and the rules it
-- reads once (outages_confidence_rules); inlined into the caller's statement.
CREATE OR REPLACE FUNCTION outages_confidence(
    _fact numeric, _reporting bigint, _meters bigint, _calls bigint, _customers bigint,
    _ami_cap numeric, _full_share numeric, _meter_weight numeric, _call_share numeric,
    _call_weight numeric)
RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
    SELECT round(least(1, greatest(0, coalesce(_fact, 0), _ami_cap * (1
        - (1 - CASE WHEN _reporting > 0 AND _meters > 0 THEN
                   least(1, _reporting::numeric / _meters / _full_share)
                   * (1 - power(1 - _meter_weight, least(_reporting, 100)))
               ELSE 0 END)
        * (1 - CASE WHEN _calls > 0 THEN
                   least(1, _calls::numeric / greatest(_customers, 1) / _call_share)
                   * (1 - power(1 - _call_weight, least(_calls, 100)))
               ELSE 0 END)))), 3)
$$;
