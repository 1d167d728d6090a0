"""State changes of the network registry that more than one door needs (admin, CSV import).

A meter's feeder and substation, and the seed's mapping tables, are derived from its DP and the
DP → feeder → substation hierarchy. Whatever edits that hierarchy calls `rederive_meter_topology`
after the edit, inside the same transaction, so the derived rows never disagree with the facts.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from topology import sqlfuncs

# The derivation of `topology_refresh_meter_mappings()` (topology/sql/), restricted to the meters
# in %(ids)s. That function rewrites the whole table set: at a million meters a call that
# changes nothing still takes tens of seconds, too long for one steward's save.
# tests/admin/test_admin.py checks that both give the same rows.
_REDERIVE_METERS_SQL = [
    """
    UPDATE oms_meters m
       SET feeder_id = f.id, substation_id = f.substation_id, updated_at = now()
      FROM network_distribution_points d
      JOIN network_feeders f ON f.id = d.feeder_id
     WHERE m.id = ANY (%(ids)s) AND d.id = m.dp_id
       AND (m.feeder_id IS DISTINCT FROM f.id OR m.substation_id IS DISTINCT FROM f.substation_id)
    """,
    """
    UPDATE oms_meters SET feeder_id = NULL, substation_id = NULL, updated_at = now()
     WHERE id = ANY (%(ids)s) AND dp_id IS NULL
       AND (feeder_id IS NOT NULL OR substation_id IS NOT NULL)
    """,
    """
    DELETE FROM network_feeder_meters fm
     WHERE fm.meter_id = ANY (%(ids)s)
       AND NOT EXISTS (SELECT 1 FROM oms_meters m
                        WHERE m.id = fm.meter_id AND m.feeder_id = fm.feeder_id)
    """,
    """
    INSERT INTO network_feeder_meters (feeder_id, meter_id, created_at)
    SELECT m.feeder_id, m.id, now() FROM oms_meters m
     WHERE m.id = ANY (%(ids)s) AND m.feeder_id IS NOT NULL
    ON CONFLICT (feeder_id, meter_id) DO NOTHING
    """,
    """
    DELETE FROM network_substation_meters sm
     WHERE sm.meter_id = ANY (%(ids)s)
       AND NOT EXISTS (SELECT 1 FROM oms_meters m
                        WHERE m.id = sm.meter_id AND m.substation_id = sm.substation_id)
    """,
    """
    INSERT INTO network_substation_meters (substation_id, meter_id, priority, created_at)
    SELECT m.substation_id, m.id, 100, now() FROM oms_meters m
     WHERE m.id = ANY (%(ids)s) AND m.substation_id IS NOT NULL
    ON CONFLICT (substation_id, meter_id) DO NOTHING
    """,
]


def rederive_meter_topology(
    *,
    meter_ids: Iterable[int] = (),
    dp_ids: Iterable[int] = (),
    feeder_ids: Iterable[int] = (),
    everything: bool = False,
) -> int:
    """Re-derive meters' feeder/substation and the mapping tables from the DP hierarchy.

    Call it after a meter's DP, a DP's feeder or a feeder's substation changed, naming what
    changed: those meters, the meters of those DPs, the meters of those feeders' DPs. With
    `everything=True` the whole registry is re-derived (`topology_refresh_meter_mappings()`,
    for bulk loads). Returns the number of meters re-derived.
    """
    if everything:
        return sqlfuncs.refresh_meter_mappings()
    from meters.models import Meter

    ids = set(meter_ids)
    if dp_ids := list(dp_ids):
        ids.update(Meter.objects.filter(dp_id__in=dp_ids).values_list("pk", flat=True))
    if feeder_ids := list(feeder_ids):
        ids.update(Meter.objects.filter(dp__feeder_id__in=feeder_ids).values_list("pk", flat=True))
    if not ids:
        return 0
    with connection.cursor() as cursor:
        for statement in _REDERIVE_METERS_SQL:
            cursor.execute(statement, {"ids": sorted(ids)})
    return len(ids)
