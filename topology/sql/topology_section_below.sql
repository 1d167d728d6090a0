-- topology_section_below(_kind text, _code text) → bigint
-- The section a device feeds when closed as designed: a feeder's head section, an in-line
-- device's side b (or, for a device not yet stored, the section named '<kind>:<code>' made for
-- it); NULL when there is none. For imports placing devices and DPs below their parents. STABLE.
CREATE OR REPLACE FUNCTION topology_section_below(_kind text, _code text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN _kind = 'feeder'
        THEN (SELECT f.head_section_id FROM network_feeders f WHERE f.feeder_id = _code)
        ELSE coalesce(
            (SELECT d.section_b_id FROM network_devices d WHERE d.kind = _kind AND d.code = _code),
            (SELECT s.id FROM network_sections s WHERE s.code = _kind || ':' || _code)) END
$$;
