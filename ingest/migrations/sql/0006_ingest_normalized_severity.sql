-- ingest_normalized_severity(_severity text) → 'low' | 'medium' | 'high' | 'critical'
-- Feed severities vary in case and words (Critical, MAJOR, minor, info…). IMMUTABLE.
CREATE OR REPLACE FUNCTION ingest_normalized_severity(_severity text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE lower(btrim(coalesce(_severity, '')))
        WHEN 'critical' THEN 'critical' WHEN 'emergency' THEN 'critical' WHEN 'fatal' THEN 'critical'
        WHEN 'high' THEN 'high' WHEN 'major' THEN 'high' WHEN 'severe' THEN 'high'
        WHEN 'low' THEN 'low' WHEN 'minor' THEN 'low' WHEN 'info' THEN 'low'
        WHEN 'warning' THEN 'low'
        ELSE 'medium' END
$$;
