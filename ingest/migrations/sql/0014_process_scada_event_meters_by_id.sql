-- process_scada_event_meters(p_scada_event_id bigint, p_substation_id, p_feeder_id,
--                            p_event_timestamp) → the same as the text form
-- The seed's step called with a stored event's id as it is stored (scada_events.id, bigint).
CREATE OR REPLACE FUNCTION process_scada_event_meters(
    p_scada_event_id bigint, p_substation_id text, p_feeder_id text DEFAULT NULL,
    p_event_timestamp timestamptz DEFAULT now())
RETURNS TABLE (total_meters integer, offline_meters integer, online_meters integer,
               unknown_meters integer, outage_event_id bigint)
LANGUAGE sql AS $$
    SELECT * FROM process_scada_event_meters(p_scada_event_id::text, p_substation_id,
                                             p_feeder_id, p_event_timestamp)
$$;
