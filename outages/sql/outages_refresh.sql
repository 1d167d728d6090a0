-- outages_refresh(_ids bigint[]) → void
-- Recomputes what an outage derives from its meters and sources, set-based:
-- affected/restored meter counts, distinct affected customers, and
-- confidence = 1 − Π(1 − wᵢ) over its distinct source events. An active outage whose meters
-- with direct evidence are all restored becomes restored (outages_mark_restored).
-- A storm adds evidence to a feeder outage of thousands of meters batch after batch, so:
--   * links are only ever added: the meters changed exactly when their count did, and only
--     then are the distinct customers (a join to every linked meter) recounted;
--   * sources are only added (a delete resets the confidence, outages_count_sources): an
--     outage already at confidence 1 is not recounted, and the product is taken in float8
--     (numeric ln over thousands of sources took milliseconds).
CREATE OR REPLACE FUNCTION outages_refresh(_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    _done bigint[];
BEGIN
    WITH counted AS (
        SELECT om.outage_event_id AS id, count(*) AS affected, count(om.restored_at) AS restored
          FROM oms_outage_meters om
         WHERE om.outage_event_id = ANY (_ids)
         GROUP BY om.outage_event_id
    ),
    links AS (
        SELECT c.id, c.affected, c.restored,
               CASE WHEN c.affected = o.affected_meters_count THEN o.affected_customers_count
                    ELSE (SELECT count(DISTINCT m.customer_id)
                            FROM oms_outage_meters om JOIN oms_meters m ON m.id = om.meter_id
                           WHERE om.outage_event_id = c.id) END AS customers
          FROM counted c JOIN oms_outage_events o ON o.id = c.id
    ),
    evidence AS (
        SELECT s.outage_event_id AS id,
               CASE WHEN bool_or(s.weight >= 1) THEN 1
                    ELSE 1 - exp(greatest(sum(ln(greatest(1 - s.weight::float8, 1e-9))), -50))
                    END AS confidence
          FROM oms_event_sources s
         WHERE s.outage_event_id IN (SELECT o.id FROM oms_outage_events o
                                      WHERE o.id = ANY (_ids)
                                        AND coalesce(o.confidence_score, 0) < 1)
         GROUP BY s.outage_event_id
    )
    UPDATE oms_outage_events o
       SET affected_meters_count = coalesce(l.affected, 0),
           restored_meters_count = coalesce(l.restored, 0),
           affected_customers_count = coalesce(l.customers, 0),
           confidence_score = CASE WHEN x.confidence_score >= 1 THEN x.confidence_score
                                   ELSE round(coalesce(e.confidence, 0)::numeric, 3) END,
           updated_at = now()
      FROM oms_outage_events x
      LEFT JOIN links l ON l.id = x.id
      LEFT JOIN evidence e ON e.id = x.id
     WHERE o.id = x.id AND x.id = ANY (_ids);

    SELECT coalesce(array_agg(o.id), '{}') INTO _done
      FROM oms_outage_events o
     WHERE o.id = ANY (_ids) AND o.status = ANY (outages_active_statuses())
       AND EXISTS (SELECT 1 FROM oms_outage_meters om
                    WHERE om.outage_event_id = o.id AND NOT om.inferred)
       AND NOT EXISTS (SELECT 1 FROM oms_outage_meters om
                        WHERE om.outage_event_id = o.id AND NOT om.inferred
                          AND om.restored_at IS NULL);
    IF cardinality(_done) > 0 THEN
        PERFORM outages_mark_restored(_done, NULL, 'All reporting meters restored');
    END IF;
    PERFORM outages_announce(_ids, 'updated');
END;
$$;
