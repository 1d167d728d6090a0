-- outages_stand_at(_scope text, _devices bigint[], _starts timestamptz[], _severity text)
--   → void
-- Roll-up's last step: an outage stands at each device (opened when there is none), absorbs
-- the active outages below it (meter outages of a DP; the DP, meter and in-line device outages
-- below an in-line device, a feeder or a substation) but those that started more than
-- nested_margin_seconds before it (faults of their own, nested below it: an outage carried over
-- to an open device at a restoration does not absorb the transformers out before it), and
-- every meter fed from the device is inferred off and linked. Set-based over all devices.
CREATE OR REPLACE FUNCTION outages_stand_at(_scope text, _devices bigint[],
                                            _starts timestamptz[], _severity text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    _opened bigint[];
    _margin interval := outages_rule('nested_margin_seconds', 10) * interval '1 second';
BEGIN
    IF cardinality(_devices) = 0 THEN
        RETURN;
    END IF;
    _opened := ARRAY(SELECT o.outage_id
                       FROM outages_open(_scope, _devices, _starts, _severity, '') o);
    PERFORM outages_merge(p.id, array_agg(c.id))
       FROM oms_outage_events p
       JOIN oms_outage_events c
         ON c.status = ANY (outages_active_statuses())
        AND c.id <> p.id
        -- older by more than the margin: a fault of its own, nested below this one
        AND c.first_detected_at >= p.first_detected_at - _margin
        AND CASE _scope
            WHEN 'dp' THEN c.scope = 'meter' AND c.dp_id = p.device_id
            WHEN 'feeder' THEN c.feeder_id = p.device_id AND c.scope NOT IN ('substation', 'feeder')
            WHEN 'substation' THEN c.substation_id = p.device_id AND c.scope <> 'substation'
            -- an in-line device: the outages of the DPs, meters and devices below it
            ELSE c.feeder_id = p.feeder_id AND (
                 (c.scope IN ('dp', 'meter') AND c.dp_id IN (
                     SELECT d.id FROM network_sections s
                       JOIN network_distribution_points d ON d.section_id = s.id
                      WHERE s.path @> ARRAY[p.device_id]))
              OR (c.scope IN ('recloser', 'sectionalizer', 'switch', 'fuse') AND c.device_id IN (
                     SELECT v.id FROM network_devices v
                       JOIN network_sections s ON s.id = v.upstream_section_id
                      WHERE s.path @> ARRAY[p.device_id]))) END
      WHERE p.id = ANY (_opened)
      GROUP BY p.id;
    PERFORM outages_infer_devices_off(_opened);
    PERFORM outages_refresh(_opened);
END;
$$;
