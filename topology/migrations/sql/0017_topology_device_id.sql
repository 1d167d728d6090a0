-- topology_device_id(_scope text, _code text) → bigint
-- The key of the device with business code _code at _scope ('substation', 'feeder', 'dp',
-- 'meter', or an in-line kind: 'recloser', 'sectionalizer', 'switch', 'fuse'); NULL when the
-- registry does not know it. The inverse of topology_device_code (both read topology_codes).
-- STABLE.
CREATE OR REPLACE FUNCTION topology_device_id(_scope text, _code text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT c.id FROM topology_codes(_scope) c WHERE c.code = _code
$$;
