-- ingest_vocabulary_evidence(_provider text, _field text, _code text) → text
-- What a provider's code evidences ('off', 'on', 'report', 'none'), matched case-insensitively
-- against ingest_vocabulary (edited by data stewards); NULL when the code is not known. STABLE.
CREATE OR REPLACE FUNCTION ingest_vocabulary_evidence(_provider text, _field text, _code text)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT evidence FROM ingest_vocabulary
     WHERE provider = _provider AND field = _field AND lower(code) = lower(btrim(_code))
     LIMIT 1
$$;
