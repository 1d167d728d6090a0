-- get_meters_by_feeder(p_feeder_id text): the seed's name for
-- topology_meters_fed_from('feeder', code). p_feeder_id is the code, e.g. 'FD001'.
CREATE OR REPLACE FUNCTION get_meters_by_feeder(p_feeder_id text)
RETURNS TABLE (meter_id bigint, meter_number varchar, communication_status varchar,
               power_status varchar, last_communication timestamptz, customer_id varchar,
               location_lat numeric, location_lng numeric)
LANGUAGE sql STABLE AS $$
    SELECT * FROM topology_meters_fed_from('feeder', p_feeder_id)
$$;
