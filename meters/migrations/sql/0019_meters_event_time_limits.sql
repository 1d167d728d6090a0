-- meters_event_time_limits() → (earliest, latest, stale_before)
-- The event-time rules of CONTRACT §12: an event before `earliest` (2000-01-01) or after
-- `latest` (the server's clock plus max_clock_skew_minutes) is refused; one before
-- `stale_before` (max_event_age_hours behind the newest applied event time, the frontier) is
-- stored but applied to nothing. Without a frontier nothing is stale. STABLE.
CREATE OR REPLACE FUNCTION meters_event_time_limits(
    OUT earliest timestamptz, OUT latest timestamptz, OUT stale_before timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT timestamptz '2000-01-01 00:00:00+00',
           now() + interval '1 minute' * outages_rule('max_clock_skew_minutes', 5),
           coalesce((SELECT max(f.event_time) FROM oms_event_frontier f)
                    - interval '1 hour' * outages_rule('max_event_age_hours', 24),
                    '-infinity')
$$;
