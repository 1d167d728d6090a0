-- meters_check_event_times(_times timestamptz[], _field text) → void
-- Refuses (datetime_field_overflow, naming _field as the error's column) any event time
-- before 2000-01-01 or beyond the clock-skew limit: every door of the engine calls it before
-- it writes, so no event from the future pins a meter and nothing from before 2000 enters.
CREATE OR REPLACE FUNCTION meters_check_event_times(_times timestamptz[], _field text)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    _limits record := meters_event_time_limits();
    _bad timestamptz;
BEGIN
    SELECT t INTO _bad FROM unnest(_times) t
     WHERE t < _limits.earliest OR t > _limits.latest LIMIT 1;
    IF _bad IS NULL THEN
        RETURN;
    END IF;
    IF _bad < _limits.earliest THEN
        RAISE EXCEPTION '%: % is before 2000-01-01', _field, _bad
            USING ERRCODE = 'datetime_field_overflow', COLUMN = _field;
    END IF;
    RAISE EXCEPTION '%: % is more than % minutes ahead of the server''s clock', _field, _bad,
          outages_rule('max_clock_skew_minutes', 5)
        USING ERRCODE = 'datetime_field_overflow', COLUMN = _field;
END;
$$;
