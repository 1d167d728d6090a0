"""State changes of the network registry that more than one door needs (admin, CSV import).

What each feeder feeds is derived from the devices' states by `topology_derive_feeding`; a
meter's feeder and substation, and the seed's mapping tables, follow from its DP. Whatever edits
the network calls `rederive_meter_topology` after the edit, inside the same transaction, so the
derived rows never disagree with the facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import OperationalError, connection
from django.utils import timezone

from topology import sqlfuncs
from topology.devices import DeviceNotFound, find_device
from topology.models import (
    DeviceKind,
    Feeder,
    Section,
    SwitchingOperation,
    SwitchingSource,
    SwitchState,
)


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


# --- Switching ----------------------------------------------------------------------------------


class SwitchingRefused(Exception):
    """An operation that would leave the state unchanged or join two energized parts."""


class DeviceBusy(SwitchingRefused):
    """Another operation on the same device is in progress."""


SWITCHABLE_KINDS = ("feeder", *DeviceKind.values)
TARGET_STATE = {"open": SwitchState.OPEN, "close": SwitchState.CLOSED}


@dataclass
class Switching:
    """What one operation did to the network: its log entry and the sections that flipped (and,
    filled by the engine's side of the operation, the keys of the outages its meters are in)."""

    operation: SwitchingOperation
    de_energized: list[int] = field(default_factory=list)
    energized: list[int] = field(default_factory=list)
    outage_ids: list[int] = field(default_factory=list)


def switch_device(
    *,
    kind: str,
    code: str,
    action: str,
    note: str = "",
    user=None,
    source: str = SwitchingSource.OPERATOR,
    source_event_id: str = "",
    operated_at=None,
    before_change: Callable[[str, int], None] | None = None,
) -> Switching:
    """Open or close a feeder breaker or an in-line device, derive what every feeder feeds now
    and log it. Runs inside the caller's transaction (the meters' side follows in it):
    `before_change(kind, device_id)` runs after the checks and before the state changes, while
    the derived feeding still shows what the device feeds (what an opening cuts off).

    The device row is locked NOWAIT (a concurrent operation on it is refused, never queued),
    then the network lock is taken before the checks, so two ties closed at once cannot both
    see a de-energized side and parallel two sources.
    """
    if action not in TARGET_STATE:
        raise ValueError(f"action must be open or close, not {action!r}")
    to_state = TARGET_STATE[action]
    if kind.lower() not in SWITCHABLE_KINDS:
        raise DeviceNotFound(f"{kind} is not a switching device kind.")
    found = find_device(kind, code)
    model = type(found)
    try:
        device = model.objects.select_for_update(nowait=True).get(pk=found.pk)
    except OperationalError as exc:
        raise DeviceBusy(f"Another operation on {kind} {code} is in progress.") from exc
    sqlfuncs.lock_network()
    is_feeder = model is Feeder
    device_code = device.feeder_id if is_feeder else device.code
    label = f"{'feeder' if is_feeder else device.kind} {device_code}"
    if device.state == to_state:
        raise SwitchingRefused(f"{label} is already {to_state}.")
    side_ids = [device.head_section_id] if is_feeder else [device.section_a_id, device.section_b_id]
    sides = list(Section.objects.filter(pk__in=side_ids))
    # Closing: a feeder's breaker joins its source to its head section, a device its sides.
    joins_energized = all(side.energized for side in sides) and (is_feeder or len(sides) == 2)
    if to_state == SwitchState.CLOSED and joins_energized:
        raise SwitchingRefused(
            f"Closing {label} would join two energized parts of the network "
            "(a loop or a parallel of two sources)."
        )
    if before_change is not None:
        before_change("feeder" if is_feeder else device.kind, device.pk)
    model.objects.filter(pk=device.pk).update(state=to_state)
    feeders = {device.pk} if is_feeder else {side.feeder_id for side in sides}
    flips = sqlfuncs.derive_feeding(sorted(f for f in feeders if f is not None))
    operation = SwitchingOperation.objects.create(
        operated_at=operated_at or timezone.now(),
        device_kind="feeder" if is_feeder else device.kind,
        device_code=device_code,
        device_id=device.pk,
        from_state=device.state,
        to_state=to_state,
        source=source,
        source_event_id=source_event_id,
        # A person (session) or an API token (its name): the log says who either way.
        user=user if isinstance(user, get_user_model()) else None,
        operator=getattr(user, "username", "") or getattr(user, "name", "") or "",
        note=note,
    )
    return Switching(
        operation=operation,
        de_energized=sorted(s for s, on in flips.items() if not on),
        energized=sorted(s for s, on in flips.items() if on),
    )
