"""State changes of the network registry that more than one door needs (admin, CSV import).

A meter's feeder and substation, and the seed's mapping tables, are derived from its DP and the
DP → feeder → substation hierarchy. Whatever edits that hierarchy calls `rederive_meter_topology`
after the edit, inside the same transaction, so the derived rows never disagree with the facts.
"""

from __future__ import annotations

from collections.abc import Iterable

from topology import sqlfuncs


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
    `everything=True` the whole registry is re-derived (for bulk loads). Returns the number of
    meters re-derived.
    """
    if everything:
        return sqlfuncs.rederive_meters(None)
    from meters.models import Meter

    ids = set(meter_ids)
    if dp_ids := list(dp_ids):
        ids.update(Meter.objects.filter(dp_id__in=dp_ids).values_list("pk", flat=True))
    if feeder_ids := list(feeder_ids):
        ids.update(Meter.objects.filter(dp__feeder_id__in=feeder_ids).values_list("pk", flat=True))
    if not ids:
        return 0
    return sqlfuncs.rederive_meters(sorted(ids))
