-- ingest_scada_device(_kind text, _code text, _feeder text, _substation text)
--   → (scope text, device_id bigint, candidates integer), at most one row
-- The device a SCADA event is about (CONTRACT §10): deviceId (_code) of kind deviceType (_kind)
-- when given, or of any kind with that code, a feeder or an in-line device; else the feeder
-- when feederId is given (never widened to its substation); else the substation. Codes match
-- exactly, else in any case. No row when nothing matches; a deviceId without deviceType that
-- several kinds share answers scope and device_id NULL with the number of candidates. STABLE.
CREATE OR REPLACE FUNCTION ingest_scada_device(
    _kind text, _code text, _feeder text, _substation text)
RETURNS TABLE (scope text, device_id bigint, candidates integer)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    _found record;
BEGIN
    IF nullif(_code, '') IS NULL THEN
        scope := CASE WHEN nullif(_feeder, '') IS NULL THEN 'substation' ELSE 'feeder' END;
        device_id := topology_device_id(scope, coalesce(nullif(_feeder, ''), _substation));
        candidates := 1;
        IF device_id IS NOT NULL THEN
            RETURN NEXT;
        END IF;
        RETURN;
    END IF;
    FOR _pass IN 1..2 LOOP
        SELECT count(*)::integer AS n, min(k.kind) AS kind, min(k.id) AS id INTO _found
          FROM (SELECT 'feeder'::text AS kind, f.id, f.feeder_id AS code FROM network_feeders f
                UNION ALL
                SELECT d.kind, d.id, d.code FROM network_devices d) k
         WHERE (nullif(_kind, '') IS NULL OR k.kind = lower(_kind))
           AND CASE WHEN _pass = 1 THEN k.code = btrim(_code)
                    ELSE lower(k.code) = lower(btrim(_code)) END;
        IF _found.n > 0 THEN
            scope := CASE WHEN _found.n = 1 THEN _found.kind END;
            device_id := CASE WHEN _found.n = 1 THEN _found.id END;
            candidates := _found.n;
            RETURN NEXT;
            RETURN;
        END IF;
    END LOOP;
END;
$$;
