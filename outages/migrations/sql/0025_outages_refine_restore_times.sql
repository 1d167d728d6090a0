-- outages_refine_restore_times(_rows oms_evidence[]) → void
-- Power-on evidence dated before a link's restore time but not before its off time moves the
-- restore time earlier (the meter was on by then): a power-up that arrives after a later-dated
-- retransmission of it, or after the outage was restored without it, still counts. Applied or
-- late evidence alike: it changes no meter's state, only when a restored link came back.
-- Links of active and restored outages (the customer minutes of IEEE 1366 run on them).
CREATE OR REPLACE FUNCTION outages_refine_restore_times(_rows oms_evidence[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE oms_outage_meters om SET restored_at = e.at
      FROM (SELECT om2.outage_event_id, om2.meter_id, min(r.event_time) AS at
              FROM unnest(_rows) r
              JOIN oms_outage_meters om2 ON om2.meter_id = r.meter_id
                                        AND r.event_time >= om2.off_at
                                        AND r.event_time < om2.restored_at
             WHERE r.evidence = 'on'
             GROUP BY om2.outage_event_id, om2.meter_id) e,
           oms_outage_events o
     WHERE om.outage_event_id = e.outage_event_id AND om.meter_id = e.meter_id
       AND o.id = om.outage_event_id
       AND (o.status = ANY (outages_active_statuses()) OR o.status = 'restored');
$$;
