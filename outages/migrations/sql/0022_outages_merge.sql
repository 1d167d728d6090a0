-- outages_merge(_parent bigint, _children bigint[]) → integer (outages merged)
-- Rolls outages (active, or restored ones the parent's evidence explains) into a parent: their
-- sources, meters (with off/restore times) and timeline are carried over, the parent starts at
-- the earliest start, and the children are closed with status 'merged' and merged_into set, so
-- no interruption is counted twice.
CREATE OR REPLACE FUNCTION outages_merge(_parent bigint, _children bigint[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    _merged bigint[];
    _parent_event text;
BEGIN
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO _merged
      FROM oms_outage_events
     WHERE id = ANY (_children) AND id <> _parent
       AND status = ANY (outages_active_statuses() || 'restored'::text);
    IF cardinality(_merged) = 0 THEN
        RETURN 0;
    END IF;
    SELECT event_id INTO _parent_event FROM oms_outage_events WHERE id = _parent;

    INSERT INTO oms_event_sources
        (outage_event_id, source_type, source_event_id, weight, event_timestamp, created_at)
    SELECT DISTINCT ON (s.source_type, s.source_event_id)
           _parent, s.source_type, s.source_event_id, s.weight, s.event_timestamp, now()
      FROM oms_event_sources s WHERE s.outage_event_id = ANY (_merged)
     ORDER BY s.source_type, s.source_event_id, s.event_timestamp
    ON CONFLICT (outage_event_id, source_type, source_event_id) DO NOTHING;

    INSERT INTO oms_outage_meters AS om (outage_event_id, meter_id, off_at, restored_at, inferred)
    SELECT DISTINCT ON (c.meter_id) _parent, c.meter_id, c.off_at, c.restored_at, c.inferred
      FROM oms_outage_meters c WHERE c.outage_event_id = ANY (_merged)
     ORDER BY c.meter_id, c.off_at
    ON CONFLICT (outage_event_id, meter_id) DO UPDATE
       SET off_at = least(om.off_at, excluded.off_at),
           inferred = om.inferred AND excluded.inferred;

    INSERT INTO oms_event_timeline
        (outage_event_id, event_type, status, description, actor, metadata, event_timestamp,
         created_at)
    SELECT _parent, t.event_type, t.status, t.description, t.actor,
           t.metadata || jsonb_build_object('carried_from', c.event_id), t.event_timestamp, now()
      FROM oms_event_timeline t JOIN oms_outage_events c ON c.id = t.outage_event_id
     WHERE t.outage_event_id = ANY (_merged);

    UPDATE oms_outage_events p
       SET first_detected_at = least(p.first_detected_at,
                                     (SELECT min(first_detected_at) FROM oms_outage_events
                                       WHERE id = ANY (_merged))),
           updated_at = now()
     WHERE p.id = _parent;

    UPDATE oms_outage_events
       SET status = 'merged', merged_into_id = _parent, updated_at = now()
     WHERE id = ANY (_merged);

    PERFORM outages_log(_merged, 'merged', 'Merged into ' || _parent_event, now());
    PERFORM outages_log(ARRAY[_parent], 'rolled_up',
                        'Absorbed ' || (SELECT string_agg(event_id, ', ' ORDER BY event_id)
                                          FROM oms_outage_events WHERE id = ANY (_merged)),
                        now());
    PERFORM outages_announce(_merged, 'closed');
    RETURN cardinality(_merged);
END;
$$;
