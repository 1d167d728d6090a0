-- outages_hand_back(_restored oms_evidence[]) → void
-- Step restoration by back-feed (CONTRACT §11, each customer's interruption counted once): a
-- meter that an outage at an open in-line device took over when the outage above it was
-- restored (outages_mark_restored: its link there ended when this one's began) and that a
-- back-feed brings back while that device is still open was never out for that device: it
-- was out for the outage above, all along. Its link goes back there (restored now) and leaves
-- the device's outage, whose meters and customers are recounted: the zone the operators
-- isolated holds only the customers still out until its own device closes. _restored: the
-- rows outages_restore_meters returned (meter, the outage whose link it closed).
CREATE OR REPLACE FUNCTION outages_hand_back(_restored oms_evidence[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    _children bigint[];
    _parents bigint[];
    _at timestamptz;
BEGIN
    WITH handed AS (
        SELECT DISTINCT ON (cm.id) cm.id AS child_link, pm.id AS parent_link,
               cm.outage_event_id AS child, pm.outage_event_id AS parent, cm.restored_at AS at
          FROM unnest(_restored) r
          JOIN oms_outage_events c ON c.id = r.outage_id
           AND c.scope IN ('recloser', 'sectionalizer', 'switch', 'fuse')
          JOIN network_devices v ON v.id = c.device_id AND v.state = 'open'
          JOIN oms_outage_meters cm ON cm.outage_event_id = c.id AND cm.meter_id = r.meter_id
                                   AND cm.restored_at IS NOT NULL
          JOIN oms_outage_meters pm ON pm.meter_id = cm.meter_id AND pm.outage_event_id <> c.id
                                   AND pm.restored_at = cm.off_at
          JOIN oms_outage_events p ON p.id = pm.outage_event_id AND p.status = 'restored'
         ORDER BY cm.id, pm.restored_at DESC
    ),
    moved AS (
        UPDATE oms_outage_meters pm SET restored_at = h.at
          FROM handed h WHERE pm.id = h.parent_link
        RETURNING h.parent
    ),
    gone AS (
        DELETE FROM oms_outage_meters cm USING handed h WHERE cm.id = h.child_link
        RETURNING h.child, h.at
    )
    SELECT ARRAY(SELECT DISTINCT g.child FROM gone g), ARRAY(SELECT DISTINCT m.parent FROM moved m),
           (SELECT max(g.at) FROM gone g)
      INTO _children, _parents, _at;
    IF cardinality(_children) = 0 THEN
        RETURN;
    END IF;
    PERFORM outages_log(_children, 'meters_handed_back',
                        'Meters back-fed before this device closed: out for the outage above',
                        _at);
    PERFORM outages_refresh(_children || _parents);
END;
$$;
