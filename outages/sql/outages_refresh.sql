-- outages_refresh(_ids bigint[]) → void
-- Recomputes what an outage derives from its meters and sources, set-based:
-- affected/restored meter counts, distinct affected customers, and the confidence that it
-- stands at the right device (outages_confidence) from the evidence for that device: telemetry
-- there, an operator's confirmation, its meters reporting off now, its customers' calls. An
-- active outage whose meters with direct evidence are all restored becomes restored
-- (outages_mark_restored), with the confidence of every meter that reported; one without
-- direct evidence (customers' calls, meters inferred off) once every linked meter that has a
-- channel has reported power back (a call's meter with no channel keeps it open); a device's
-- once the meters still out are those of older DP and meter outages nested below it (faults of
-- their own, nested_margin_seconds). A closed one's confidence no longer changes. Not an
-- in-line device's outage whose direct meters are all fed on another path now (operators fed
-- them around it) while it still feeds meters of it that are not back: nothing says the device
-- is in (a fuse still blown after a back-feed ends); one of calls alone is not held so.
-- A storm adds evidence to a feeder outage of thousands of meters batch after batch, so:
--   * its links are counted once per call (one pass gives every count the confidence needs);
--     links are only ever added, so the meters changed exactly when their count did, and only
--     then are the distinct customers (a join to every linked meter) recounted;
--   * of its sources only the calls and the device-level ones (SCADA, operator) are read,
--     through the index that leads with the outage and provider — never its last gasps.
CREATE OR REPLACE FUNCTION outages_refresh(_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    _done bigint[];
    _margin interval := outages_rule('nested_margin_seconds', 10) * interval '1 second';
BEGIN
    WITH counted AS (
        SELECT om.outage_event_id AS id, count(*) AS affected, count(om.restored_at) AS restored,
               count(*) FILTER (WHERE NOT om.inferred) AS direct,
               count(*) FILTER (WHERE NOT om.inferred AND om.restored_at IS NULL) AS reporting
          FROM oms_outage_meters om
         WHERE om.outage_event_id = ANY (_ids)
         GROUP BY om.outage_event_id
    ),
    links AS (
        SELECT c.id, c.affected, c.restored, c.direct, c.reporting,
               CASE WHEN c.affected = o.affected_meters_count THEN o.affected_customers_count
                    ELSE (SELECT count(DISTINCT m.customer_id)
                            FROM oms_outage_meters om JOIN oms_meters m ON m.id = om.meter_id
                           WHERE om.outage_event_id = c.id) END AS customers
          FROM counted c JOIN oms_outage_events o ON o.id = c.id
    ),
    evidence AS (
        SELECT s.outage_event_id AS id,
               count(*) FILTER (WHERE s.source_type = 'call_center') AS calls,
               max(s.weight) FILTER (WHERE s.source_type <> 'call_center'
                                       AND s.device_scope = o.scope
                                       AND s.device_id = o.device_id) AS telemetry
          FROM oms_event_sources s JOIN oms_outage_events o ON o.id = s.outage_event_id
         WHERE s.outage_event_id = ANY (_ids)
           AND s.source_type IN ('call_center', 'scada', 'operator')
         GROUP BY s.outage_event_id
    )
    UPDATE oms_outage_events o
       SET affected_meters_count = coalesce(l.affected, 0),
           restored_meters_count = coalesce(l.restored, 0),
           affected_customers_count = coalesce(l.customers, 0),
           confidence_score = CASE
               WHEN x.status <> ALL (outages_active_statuses()) THEN x.confidence_score
               ELSE outages_confidence(
                   greatest(e.telemetry, CASE WHEN x.status IN ('confirmed', 'in_progress')
                                              THEN r.operator_weight END),
                   -- Meters back on lower it while others stay off; when every reporting
                   -- meter is back (restored below) it keeps what all of them said.
                   CASE WHEN l.reporting > 0 THEN l.reporting ELSE coalesce(l.direct, 0) END,
                   coalesce(l.affected, 0), coalesce(e.calls, 0),
                   coalesce(l.customers, 0),
                   r.ami_cap, r.full_share, r.meter_weight, r.call_share, r.call_weight) END,
           updated_at = now()
      FROM oms_outage_events x
      CROSS JOIN outages_confidence_rules() r
      LEFT JOIN links l ON l.id = x.id
      LEFT JOIN evidence e ON e.id = x.id
     WHERE o.id = x.id AND x.id = ANY (_ids);

    -- Done: every meter with direct evidence is back; with none (calls, inferred meters
    -- only), every linked meter that can report (it has a channel) is back on its own evidence.
    -- Each outage's links are counted in one pass; its meters' channels are read only for an
    -- outage without direct evidence, and the older nested outages only for a device's outage
    -- that still has direct meters out: their open links are gathered once (MATERIALIZED),
    -- then matched with its links by key (probing every active DP and meter outage for each of
    -- a feeder outage's thousands of meters made one refresh cost seconds in a storm).
    WITH linked AS MATERIALIZED (
        SELECT o.id, o.scope, o.device_id, o.feeder_id, o.first_detected_at, l.direct,
               l.direct_out
          FROM oms_outage_events o
          JOIN LATERAL (
              SELECT count(*) FILTER (WHERE NOT om.inferred) AS direct,
                     count(*) FILTER (WHERE NOT om.inferred AND om.restored_at IS NULL)
                         AS direct_out
                FROM oms_outage_meters om
               WHERE om.outage_event_id = o.id) l ON true
         WHERE o.id = ANY (_ids) AND o.status = ANY (outages_active_statuses())
    ),
    -- a device outage is done too when the meters still out are those of older DP and meter
    -- outages, faults of their own nested below it
    held_links AS MATERIALIZED (
        SELECT DISTINCT x.id, cm.meter_id
          FROM linked x
          JOIN oms_outage_events c
            ON c.scope IN ('dp', 'meter') AND c.status = ANY (outages_active_statuses())
           AND (c.feeder_id = x.feeder_id
                OR (x.scope = 'substation' AND c.substation_id = x.device_id))
           AND c.first_detected_at + _margin < x.first_detected_at
          JOIN oms_outage_meters cm ON cm.outage_event_id = c.id AND cm.restored_at IS NULL
         WHERE x.direct > 0 AND x.direct_out > 0 AND x.scope NOT IN ('dp', 'meter')
    ),
    held AS (
        SELECT h.id, count(*) AS held
          FROM held_links h
          JOIN oms_outage_meters om ON om.outage_event_id = h.id AND om.meter_id = h.meter_id
                                   AND NOT om.inferred AND om.restored_at IS NULL
         GROUP BY h.id
    )
    SELECT coalesce(array_agg(x.id), '{}') INTO _done
      FROM linked x
      LEFT JOIN held h ON h.id = x.id
     WHERE CASE WHEN x.direct = 0 THEN (
                    SELECT count(*) FILTER (WHERE m.meter_type NOT IN ('conventional', 'prepaid'))
                               > 0
                           AND count(*) FILTER (WHERE m.meter_type NOT IN ('conventional',
                                                                           'prepaid')
                                                  AND om.restored_at IS NULL) = 0
                      FROM oms_outage_meters om JOIN oms_meters m ON m.id = om.meter_id
                     WHERE om.outage_event_id = x.id)
                WHEN x.direct_out = 0 THEN true
                WHEN x.scope IN ('dp', 'meter') THEN false
                ELSE x.direct_out = coalesce(h.held, 0) END
       -- An in-line device's outage whose meters came back only on another path (switching
       -- fed them around it) while it still feeds meters of it not back is not over. (One of
       -- calls alone is over once its meters with a channel are back, above: the meters it
       -- still holds are channel-less ones it inferred off.)
       AND (x.scope NOT IN ('recloser', 'sectionalizer', 'switch', 'fuse') OR x.direct = 0
            OR NOT EXISTS (SELECT 1 FROM oms_outage_meters om
                             JOIN oms_meters m ON m.id = om.meter_id
                             JOIN network_distribution_points d ON d.id = m.dp_id
                             JOIN network_sections s ON s.id = d.section_id
                            WHERE om.outage_event_id = x.id AND om.restored_at IS NULL
                              AND s.path @> ARRAY[x.device_id])
            OR EXISTS (SELECT 1 FROM oms_outage_meters om
                         JOIN oms_meters m ON m.id = om.meter_id
                         JOIN network_distribution_points d ON d.id = m.dp_id
                         JOIN network_sections s ON s.id = d.section_id
                        WHERE om.outage_event_id = x.id AND NOT om.inferred
                          AND s.path @> ARRAY[x.device_id]));
    IF cardinality(_done) > 0 THEN
        PERFORM outages_mark_restored(_done, NULL, 'All reporting meters restored');
    END IF;
    PERFORM outages_announce(_ids, 'updated');
END;
$$;
