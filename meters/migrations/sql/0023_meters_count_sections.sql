-- meters_count_sections() → trigger, on oms_meters and network_distribution_points after
-- INSERT, UPDATE and DELETE, once per statement
-- Keeps each section's counts of what it feeds (meters_recount_sections) equal to the meters,
-- whichever door wrote them (engine, import, admin, ORM): a meter whose power status changed
-- moves its section's meters_off_count by the difference (a storm's batches never recount a
-- feeder); a meter that came, went or changed DP, status or customer, and a DP that came, went
-- or changed section, have the sections they left and joined recounted.
CREATE OR REPLACE FUNCTION meters_count_sections() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    _recount bigint[];
BEGIN
    IF TG_TABLE_NAME = 'network_distribution_points' THEN
        -- Each branch reads only the transition tables its trigger has.
        IF TG_OP = 'INSERT' THEN
            _recount := ARRAY(SELECT DISTINCT n.section_id FROM new_rows n
                               WHERE n.section_id IS NOT NULL);
        ELSIF TG_OP = 'DELETE' THEN
            _recount := ARRAY(SELECT DISTINCT o.section_id FROM old_rows o
                               WHERE o.section_id IS NOT NULL);
        ELSE
            -- Sections whose DPs changed: each side added up per section on its own (a join
            -- of the two transition tables, which have no statistics, is planned as a nested
            -- loop, thousands of rows by thousands).
            _recount := ARRAY(
                SELECT x.section_id
                  FROM (SELECT n.section_id, n.id, 1 AS sign FROM new_rows n
                        UNION ALL
                        SELECT o.section_id, o.id, -1 FROM old_rows o) x
                 WHERE x.section_id IS NOT NULL
                 GROUP BY x.section_id
                HAVING sum(x.sign) <> 0
                    OR sum(x.sign * (hashint8extended(x.id, 0) % 1000000007)) <> 0);
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        _recount := ARRAY(SELECT DISTINCT d.section_id FROM new_rows n
                            JOIN network_distribution_points d ON d.id = n.dp_id
                           WHERE d.section_id IS NOT NULL);
    ELSIF TG_OP = 'DELETE' THEN
        _recount := ARRAY(SELECT DISTINCT d.section_id FROM old_rows o
                            JOIN network_distribution_points d ON d.id = o.dp_id
                           WHERE d.section_id IS NOT NULL);
    ELSE
        -- Each side is added up per section on its own (a join of the two transition tables
        -- by meter, which have no statistics, was planned as a nested loop): the counts move
        -- by new minus old, and a section whose members changed (a checksum of its active
        -- meters and their customers differs) is recounted, for its customers.
        WITH sides AS (
            SELECT s.dp_id, s.sign, count(*) AS meters,
                   count(*) FILTER (WHERE s.power_status = 'off') AS meters_off,
                   sum(hashint8extended(s.id, coalesce(s.customer_id, 0)) % 1000000007)
                       AS members
              FROM (SELECT n.id, n.dp_id, n.customer_id, n.power_status, 1 AS sign
                      FROM new_rows n WHERE n.status = 'active'
                    UNION ALL
                    SELECT o.id, o.dp_id, o.customer_id, o.power_status, -1
                      FROM old_rows o WHERE o.status = 'active') s
             WHERE s.dp_id IS NOT NULL
             GROUP BY s.dp_id, s.sign
        ),
        by_section AS (  -- per DP first: the few DPs, not every meter, meet their section
            SELECT d.section_id, x.sign, sum(x.meters) AS meters,
                   sum(x.meters_off) AS meters_off, sum(x.members) AS members
              FROM sides x JOIN network_distribution_points d ON d.id = x.dp_id
             WHERE d.section_id IS NOT NULL
             GROUP BY d.section_id, x.sign
        ),
        moved AS (
            SELECT x.section_id, sum(x.sign * x.meters) AS meters,
                   sum(x.sign * x.meters_off) AS meters_off,
                   sum(x.sign * x.members) <> 0 AS members_changed
              FROM by_section x GROUP BY x.section_id
        ),
        counted AS (  -- runs although nothing reads it, as every data-modifying WITH does
            UPDATE network_sections s
               SET meters_count = s.meters_count + m.meters,
                   meters_off_count = s.meters_off_count + m.meters_off
              FROM moved m
             WHERE s.id = m.section_id AND (m.meters <> 0 OR m.meters_off <> 0)
        )
        SELECT ARRAY(SELECT m.section_id FROM moved m WHERE m.members_changed) INTO _recount;
    END IF;
    IF cardinality(_recount) > 0 THEN
        PERFORM meters_recount_sections(_recount);
    END IF;
    RETURN NULL;
END;
$$;
CREATE OR REPLACE TRIGGER oms_meters_counted_in
    AFTER INSERT ON oms_meters REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meters_count_sections();
CREATE OR REPLACE TRIGGER oms_meters_counted_again
    AFTER UPDATE ON oms_meters REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meters_count_sections();
CREATE OR REPLACE TRIGGER oms_meters_counted_out
    AFTER DELETE ON oms_meters REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meters_count_sections();
CREATE OR REPLACE TRIGGER network_distribution_points_counted_in
    AFTER INSERT ON network_distribution_points REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meters_count_sections();
CREATE OR REPLACE TRIGGER network_distribution_points_counted_again
    AFTER UPDATE ON network_distribution_points
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meters_count_sections();
CREATE OR REPLACE TRIGGER network_distribution_points_counted_out
    AFTER DELETE ON network_distribution_points REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meters_count_sections();
