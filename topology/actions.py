"""State changes of the network registry that more than one door needs (admin, CSV import).

What each feeder feeds is derived from the devices' states by `topology_derive_feeding`; a
meter's feeder and substation, and the seed's mapping tables, follow from its DP. Whatever edits
the network calls `rederive_meter_topology` after the edit, inside the same transaction, so the
derived rows never disagree with the facts.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from topology import sqlfuncs


def rederive_meter_topology(
    *,
    meter_ids: Iterable[int] = (),
    dp_ids: Iterable[int] = (),
    feeder_ids: Iterable[int] = (),
    everything: bool = False,
) -> int:
    """Re-derive feeding and meters' feeder/substation and the mapping tables.

    Call it after a meter's DP, a DP's feeder or a feeder's substation changed, naming what
    changed: those meters, those DPs (a DP a steward moved to another feeder hangs on that
    feeder's head section), those feeders. With `everything=True` the whole network is
    re-derived (for bulk loads). Returns the number of meters re-derived.
    """
    if everything:
        sqlfuncs.derive_feeding(None)
        return sqlfuncs.rederive_meters(None)
    dp_ids, feeder_ids = sorted(set(dp_ids)), sorted(set(feeder_ids))
    if dp_ids:
        with connection.cursor() as cursor:
            # The steward's feeder is the fact here: hang the DP on that feeder's head section.
            cursor.execute(
                """
                UPDATE network_distribution_points d SET section_id = f.head_section_id
                  FROM network_feeders f
                 WHERE d.id = ANY (%s) AND f.id = d.feeder_id AND f.head_section_id IS NOT NULL
                   AND d.section_id IS DISTINCT FROM f.head_section_id
                   AND NOT EXISTS (SELECT 1 FROM network_sections s
                                    WHERE s.id = d.section_id AND s.feeder_id = d.feeder_id)
                RETURNING d.feeder_id
                """,
                [dp_ids],
            )
            touched = {row[0] for row in cursor.fetchall()}
        if touched:
            sqlfuncs.derive_feeding(sorted(touched))
    return sqlfuncs.rederive_meters(sorted(set(meter_ids)), dp_ids=dp_ids, feeder_ids=feeder_ids)
