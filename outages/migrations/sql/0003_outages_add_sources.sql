-- outages_add_sources(_rows oms_evidence[]) → void
-- Each row's source event becomes evidence of its outage, once (a re-delivery adds nothing),
-- and one timeline entry per outage summarizes what arrived.
CREATE OR REPLACE FUNCTION outages_add_sources(_rows oms_evidence[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    WITH added AS (
        INSERT INTO oms_event_sources AS s
            (outage_event_id, source_type, source_event_id, weight, event_timestamp, created_at)
        SELECT DISTINCT ON (r.outage_id, r.provider, r.source_event_id)
               r.outage_id, r.provider, r.source_event_id, outages_weight(r.provider),
               r.event_time, now()
          FROM unnest(_rows) r WHERE r.outage_id IS NOT NULL
         ORDER BY r.outage_id, r.provider, r.source_event_id, r.event_time
        ON CONFLICT (outage_event_id, source_type, source_event_id) DO NOTHING
        RETURNING s.outage_event_id, s.source_type, s.event_timestamp
    ),
    per_provider AS (
        SELECT outage_event_id, source_type, count(*) AS n, max(event_timestamp) AS at
          FROM added GROUP BY outage_event_id, source_type
    )
    INSERT INTO oms_event_timeline
        (outage_event_id, event_type, status, description, actor, metadata, event_timestamp,
         created_at)
    SELECT p.outage_event_id, 'evidence', o.status,
           string_agg(p.n || ' ' || replace(p.source_type, '_', ' ') || ' event'
                          || CASE WHEN p.n > 1 THEN 's' ELSE '' END, ', ' ORDER BY p.source_type),
           'engine', jsonb_object_agg(p.source_type, p.n), max(p.at), now()
      FROM per_provider p JOIN oms_outage_events o ON o.id = p.outage_event_id
     GROUP BY p.outage_event_id, o.status;
END;
$$;
