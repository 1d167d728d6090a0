-- outages_count_sources() → trigger, on oms_event_sources after INSERT and after DELETE
-- Keeps each outage's source_count and source_types equal to its sources, whichever door
-- wrote them (engine, ORM, admin), once per statement: new sources are added to the sums (a
-- feeder outage's thousands of last gasps are never recounted); a delete recounts what is
-- left of the outages it touched, confidence included (outages_refresh). Sources are never
-- moved between outages by UPDATE.
CREATE OR REPLACE FUNCTION outages_count_sources() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE oms_outage_events o
           SET source_count = o.source_count + a.n,
               source_types = ARRAY(SELECT DISTINCT t FROM unnest(o.source_types || a.kinds) t
                                     ORDER BY 1)
          FROM (SELECT c.outage_event_id AS id, count(*) AS n,
                       array_agg(DISTINCT c.source_type) AS kinds
                  FROM changed c GROUP BY c.outage_event_id) a
         WHERE o.id = a.id;
    ELSE
        -- A steward removed evidence: recount it, and the confidence from what is left.
        UPDATE oms_outage_events o
           SET source_count = a.n, source_types = a.kinds
          FROM (SELECT d.id, count(s.id) AS n,
                       coalesce(array_agg(DISTINCT s.source_type ORDER BY s.source_type)
                                    FILTER (WHERE s.id IS NOT NULL), '{}') AS kinds
                  FROM (SELECT DISTINCT c.outage_event_id AS id FROM changed c) d
                  LEFT JOIN oms_event_sources s ON s.outage_event_id = d.id
                 GROUP BY d.id) a
         WHERE o.id = a.id;
        PERFORM outages_refresh(ARRAY(SELECT DISTINCT c.outage_event_id FROM changed c));
    END IF;
    RETURN NULL;
END;
$$;
CREATE OR REPLACE TRIGGER oms_event_sources_counted_in
    AFTER INSERT ON oms_event_sources REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION outages_count_sources();
CREATE OR REPLACE TRIGGER oms_event_sources_counted_out
    AFTER DELETE ON oms_event_sources REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION outages_count_sources();
