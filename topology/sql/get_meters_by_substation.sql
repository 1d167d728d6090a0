-- get_meters_by_substation(p_substation_id text): the seed's name for
-- topology_meters_fed_from('substation', code). p_substation_id is the code, e.g. 'SS001'.
CREATE OR REPLACE FUNCTION get_meters_by_substation(p_substation_id text)
RETURNS TABLE (meter_id bigint, meter_number varchar, communication_status varchar,
               power_status varchar, last_communication timestamptz, customer_id varchar,
               location_lat numeric, location_lng numeric)
LANGUAGE sql STABLE AS $$
    SELECT * FROM topology_meters_fed_from('substation', p_substation_id)
$$;
