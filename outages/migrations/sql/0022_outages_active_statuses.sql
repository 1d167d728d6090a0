-- outages_active_statuses() → text[]: the statuses of an outage that still stands (CONTRACT §5:
-- detected, confirmed, in_progress), the one list the engine's SQL reads; Python's
-- outages.models.ACTIVE_STATUSES is held to it by a test. IMMUTABLE, so the planner folds it to
-- a constant and still matches the partial unique index "one active outage per device".
CREATE OR REPLACE FUNCTION outages_active_statuses() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY['detected', 'confirmed', 'in_progress']
$$;
