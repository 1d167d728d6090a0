-- outages_announce_switching(_operation_id bigint) → void
-- Tells listeners (the websocket relay) that a switching operation was logged: the same
-- channel as outage changes, delivered only when the transaction commits.
CREATE OR REPLACE FUNCTION outages_announce_switching(_operation_id bigint) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_notify('oms_outages', json_build_object('switching', _operation_id)::text)
$$;
