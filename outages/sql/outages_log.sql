-- outages_log(_ids bigint[], _event_type text, _description text, _at timestamptz,
--             _actor text, _metadata jsonb) → void: one timeline entry per outage
-- (at _at, or at the outage's first detection when _at is NULL).
CREATE OR REPLACE FUNCTION outages_log(_ids bigint[], _event_type text, _description text,
                                       _at timestamptz, _actor text DEFAULT 'engine',
                                       _metadata jsonb DEFAULT '{}'::jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO oms_event_timeline
        (outage_event_id, event_type, status, description, actor, metadata, event_timestamp,
         created_at)
    SELECT o.id, _event_type, o.status, _description, _actor, _metadata, coalesce(_at, o.first_detected_at), now()
      FROM oms_outage_events o WHERE o.id = ANY (_ids)
$$;
