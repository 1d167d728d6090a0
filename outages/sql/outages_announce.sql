-- outages_announce(_ids bigint[], _kind text) → void
-- Tells listeners (the websocket relay) which outages changed. NOTIFY is delivered only when
-- the transaction commits, and identical payloads within one transaction are delivered once.
CREATE OR REPLACE FUNCTION outages_announce(_ids bigint[], _kind text) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_notify('oms_outages',
                     json_build_object('id', o.id, 'event_id', o.event_id, 'kind', _kind)::text)
      FROM oms_outage_events o WHERE o.id = ANY (_ids)
$$;
