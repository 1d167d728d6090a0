-- outages_announce_rules(_switch_id bigint) → void
-- Tells listeners (the websocket relay) that operators switched the active rule set: the same
-- channel as outage changes, delivered only when the transaction commits.
CREATE OR REPLACE FUNCTION outages_announce_rules(_switch_id bigint) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_notify('oms_outages', json_build_object('rules', _switch_id)::text)
$$;
