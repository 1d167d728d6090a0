-- meters_recount_sections(_section_ids bigint[]) → void
-- Counts what each section's DPs feed from the meters themselves (NULL: every section): its
-- active meters, those off and their distinct customers (network_sections.meters_count,
-- meters_off_count, customers_count). Writes only what differs. The trigger
-- meters_count_sections calls it for the sections a meter or DP joined or left. The list is
-- joined (a semi-join), not compared with each section by '= ANY' (thousands by thousands).
CREATE OR REPLACE FUNCTION meters_recount_sections(_section_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    WITH counted AS (
        SELECT s.id, count(m.id) AS meters,
               count(m.id) FILTER (WHERE m.power_status = 'off') AS meters_off,
               count(DISTINCT m.customer_id) AS customers
          FROM network_sections s
          LEFT JOIN network_distribution_points d ON d.section_id = s.id
          LEFT JOIN oms_meters m ON m.dp_id = d.id AND m.status = 'active'
         WHERE _section_ids IS NULL OR s.id IN (SELECT unnest(_section_ids))
         GROUP BY s.id
    )
    UPDATE network_sections s
       SET meters_count = c.meters, meters_off_count = c.meters_off,
           customers_count = c.customers
      FROM counted c
     WHERE s.id = c.id
       AND (s.meters_count, s.meters_off_count, s.customers_count)
           IS DISTINCT FROM (c.meters, c.meters_off, c.customers)
$$;
