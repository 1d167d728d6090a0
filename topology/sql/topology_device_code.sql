-- topology_device_code(_scope text, _device_id bigint) → text
-- The business code of the device with key _device_id at _scope (any device kind or 'meter':
-- its meter number); NULL when there is none. The inverse of topology_device_id (both read
-- topology_codes). STABLE.
CREATE OR REPLACE FUNCTION topology_device_code(_scope text, _device_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT c.code FROM topology_codes(_scope) c WHERE c.id = _device_id
$$;
