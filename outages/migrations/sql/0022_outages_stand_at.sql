-- outages_stand_at(_scope text, _devices bigint[], _starts timestamptz[], _severity text)
--   → void
-- Roll-up's last step: an outage stands at each device (opened when there is none), absorbs
-- the active outages below it (meter outages of a DP; DP and meter outages of a feeder), and
-- every meter fed from the device is inferred off and linked. Set-based over all devices.
CREATE OR REPLACE FUNCTION outages_stand_at(_scope text, _devices bigint[],
                                            _starts timestamptz[], _severity text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    _opened bigint[];
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
        AND CASE _scope WHEN 'dp' THEN c.scope = 'meter' AND c.dp_id = p.device_id
                        ELSE c.scope IN ('dp', 'meter') AND c.feeder_id = p.device_id END
      WHERE p.id = ANY (_opened)
      GROUP BY p.id;
    PERFORM outages_infer_devices_off(_opened);
    PERFORM outages_refresh(_opened);
END;
$$;
