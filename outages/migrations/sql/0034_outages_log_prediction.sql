-- outages_log_prediction(_scope text, _devices bigint[], _outs bigint[]) → void
-- One timeline entry on the active outage of each device the prediction just placed there
-- (outages_predict): why, with the DPs out below it and the DPs it feeds.
CREATE OR REPLACE FUNCTION outages_log_prediction(_scope text, _devices bigint[], _outs bigint[])
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO oms_event_timeline
        (outage_event_id, event_type, status, description, actor, metadata, event_timestamp,
         created_at)
    SELECT o.id, 'predicted', o.status,
           format('Predicted at %s %s: %s of the %s transformers it feeds out within %s min',
                  _scope, topology_device_code(_scope, o.device_id), p.out, f.dps,
                  trim_scale(outages_rule('rollup_window_minutes', 15))),
           'engine', jsonb_build_object('dps_out', p.out, 'dps', f.dps), now(), now()
      FROM unnest(_devices, _outs) AS p(device, out)
      JOIN oms_outage_events o
        ON o.scope = _scope AND o.device_id = p.device
       AND o.status = ANY (outages_active_statuses())
     CROSS JOIN LATERAL (
         SELECT count(DISTINCT d.id) AS dps
           FROM oms_meters m JOIN network_distribution_points d ON d.id = m.dp_id
          WHERE m.id = ANY (topology_device_meter_ids(_scope, p.device))) f
$$;
