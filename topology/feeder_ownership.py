"""Which rows of the registry belong to which imported feeder model.

A model is known by `network_substations.feeder_model` (prefix + circuit name); everything else
belongs to it through its substations: feeders by their substation, sections, devices, lines and
DPs by their (derived) feeder, meters by their (derived) substation, customers by their meters.
"""

from __future__ import annotations

from topology.feeder_model import FeederModel

OWNED = {  # table → SQL of the codes (among %(codes)s) already used outside model %(model)s
    "substation": """
        SELECT substation_id FROM network_substations
         WHERE substation_id = ANY (%(codes)s) AND feeder_model <> %(model)s""",
    "feeder": """
        SELECT f.feeder_id FROM network_feeders f
          JOIN network_substations s ON s.id = f.substation_id
         WHERE f.feeder_id = ANY (%(codes)s) AND s.feeder_model <> %(model)s""",
    "section": """
        SELECT c.code FROM network_sections c
          JOIN network_feeders f ON f.id = c.feeder_id
          JOIN network_substations s ON s.id = f.substation_id
         WHERE c.code = ANY (%(codes)s) AND s.feeder_model <> %(model)s""",
    "device": """
        SELECT d.kind || ' ' || d.code FROM network_devices d
          JOIN network_sections c ON c.id = d.section_a_id
          JOIN network_feeders f ON f.id = c.feeder_id
          JOIN network_substations s ON s.id = f.substation_id
         WHERE d.kind || ' ' || d.code = ANY (%(codes)s) AND s.feeder_model <> %(model)s""",
    "dp": """
        SELECT d.dp_id FROM network_distribution_points d
          JOIN network_feeders f ON f.id = d.feeder_id
          JOIN network_substations s ON s.id = f.substation_id
         WHERE d.dp_id = ANY (%(codes)s) AND s.feeder_model <> %(model)s""",
    "line": """
        SELECT l.code FROM network_lines l
          JOIN network_sections c ON c.id = l.section_id
          JOIN network_feeders f ON f.id = c.feeder_id
          JOIN network_substations s ON s.id = f.substation_id
         WHERE l.code = ANY (%(codes)s) AND s.feeder_model <> %(model)s""",
    "meter": """
        SELECT m.meter_number FROM oms_meters m
          LEFT JOIN network_substations s ON s.id = m.substation_id
         WHERE m.meter_number = ANY (%(codes)s) AND coalesce(s.feeder_model, '') <> %(model)s""",
    "customer": """
        SELECT c.customer_id FROM oms_customers c
         WHERE c.customer_id = ANY (%(codes)s) AND NOT EXISTS (
               SELECT 1 FROM oms_meters m JOIN network_substations s ON s.id = m.substation_id
                WHERE m.customer_id = c.id AND s.feeder_model = %(model)s)""",
}


def collisions(cursor, model_code: str, fm: FeederModel) -> list[str]:
    """Per kind, the codes of `fm` that rows of another model or grid already hold."""
    codes = {
        "substation": [s["code"] for s in fm.substations],
        "feeder": [f["code"] for f in fm.feeders],
        "section": fm.sections,
        "device": [f"{d['kind']} {d['code']}" for d in fm.devices],
        "dp": [d["code"] for d in fm.dps],
        "line": [ln["code"] for ln in fm.lines],
        "meter": [m["code"] for m in fm.meters],
        "customer": [m["code"] for m in fm.meters],
    }
    found = []
    for kind, sql in OWNED.items():
        cursor.execute(sql + " ORDER BY 1", {"codes": codes[kind], "model": model_code})
        taken = [code for (code,) in cursor.fetchall()]
        if taken:
            more = ", …" if len(taken) > 5 else ""
            found.append(f"{kind}: {len(taken):,} ({', '.join(taken[:5])}{more})")
    return found


RETIRE = {  # what left the model %(model)s: never deleted where history hangs on it
    "lines": """
        DELETE FROM network_lines l USING network_sections c, network_feeders f,
               network_substations s
         WHERE c.id = l.section_id AND f.id = c.feeder_id AND s.id = f.substation_id
           AND s.feeder_model = %(model)s AND l.code NOT IN (SELECT code FROM fi_lines)""",
    "devices": """
        WITH gone AS (
            SELECT d.id FROM network_devices d
              JOIN network_sections c ON c.id = d.section_a_id
              JOIN network_feeders f ON f.id = c.feeder_id
              JOIN network_substations s ON s.id = f.substation_id
             WHERE s.feeder_model = %(model)s
               AND (d.kind, d.code) NOT IN (SELECT kind, code FROM fi_devices)
        ), unlinked AS (  -- derived, set again by topology_derive_feeding
            UPDATE network_sections SET fed_through_id = NULL
             WHERE fed_through_id IN (SELECT id FROM gone)
        )
        DELETE FROM network_devices WHERE id IN (SELECT id FROM gone)""",
    "sections": """
        DELETE FROM network_sections c USING network_feeders f, network_substations s
         WHERE f.id = c.feeder_id AND s.id = f.substation_id AND s.feeder_model = %(model)s
           AND c.code NOT IN (SELECT code FROM fi_sections)
           AND NOT EXISTS (SELECT 1 FROM network_distribution_points d WHERE d.section_id = c.id)
           AND NOT EXISTS (SELECT 1 FROM network_feeders h WHERE h.head_section_id = c.id)
           AND NOT EXISTS (SELECT 1 FROM network_lines l WHERE l.section_id = c.id)
           AND NOT EXISTS (
               SELECT 1 FROM network_devices d
                WHERE c.id IN (d.section_a_id, d.section_b_id, d.upstream_section_id))""",
    "meters": """
        UPDATE oms_meters m SET status = 'inactive', updated_at = now()
          FROM network_substations s
         WHERE s.id = m.substation_id AND s.feeder_model = %(model)s AND m.status <> 'inactive'
           AND m.meter_number NOT IN (SELECT code FROM fi_meters)""",
    "customers": """
        UPDATE oms_customers c SET status = 'inactive', updated_at = now()
          FROM oms_meters m, network_substations s
         WHERE m.customer_id = c.id AND s.id = m.substation_id AND s.feeder_model = %(model)s
           AND c.status <> 'inactive' AND c.customer_id NOT IN (SELECT code FROM fi_meters)""",
    "distribution points": """
        UPDATE network_distribution_points d SET status = 'inactive', updated_at = now()
          FROM network_feeders f, network_substations s
         WHERE f.id = d.feeder_id AND s.id = f.substation_id AND s.feeder_model = %(model)s
           AND d.status <> 'inactive' AND d.dp_id NOT IN (SELECT code FROM fi_dps)""",
    "feeders": """
        UPDATE network_feeders f SET status = 'inactive', updated_at = now()
          FROM network_substations s
         WHERE s.id = f.substation_id AND s.feeder_model = %(model)s AND f.status <> 'inactive'
           AND f.feeder_id NOT IN (SELECT code FROM fi_feeders)""",
    "substations": """
        UPDATE network_substations s SET status = 'inactive', updated_at = now()
         WHERE s.feeder_model = %(model)s AND s.status <> 'inactive'
           AND s.substation_id NOT IN (SELECT code FROM fi_substations)""",
}
