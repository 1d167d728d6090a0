"""Playing a storm's happenings on the network as operated: which DPs and meters lose and regain
supply when, and because of which fault; what each telemetered device sees.

Two layers of state: the **switching** layer (the devices' states as operators set them; it
decides what a device feeds, i.e. the meters a fault at it concerns) and the **protection**
layer (devices a fault tripped open, DPs and meters failed, substations lost). A device is
closed when both layers say so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from oms.storm.tree import Feeding, NetDevice, NetworkView

HOLD = 5.0  # s: supply back for less than this (a reclose onto the fault) is no restoration


@dataclass(order=True)
class Happening:
    """One change of the network at time `t` (seconds after the storm's start)."""

    t: float
    order: int
    action: str  # trip | reclose (protection) | open | close (operator) | fail | repair
    target: object = field(
        compare=False
    )  # NetDevice, ("dp", code), ("substation", code), ("meter", n)
    fault: int = field(compare=False, default=-1)


@dataclass
class Transition:
    t: float
    state: str  # on | off
    fault: int  # the fault whose happening caused it
    cause: Happening


@dataclass
class Played:
    """What the happenings did."""

    dp_transitions: dict[str, list[Transition]]  # DP -> its changes of supply, merged (HOLD)
    device_voltage: list[tuple[float, NetDevice, bool, int]]  # telemetered: (t, dev, live, fault)
    feeding_at: list[tuple[float, Feeding]]  # switching-layer walks, from each change on
    applied: list[Happening]  # the happenings that changed something, in order
    refused: list[tuple[Happening, str]]  # operator operations the engine would refuse (409)
    initial: set[str]  # DPs fed before the first happening

    def feeding(self, t: float) -> Feeding:
        """The switching layer's walk just before `t` (what a fault starting at `t` concerns;
        an isolating switch opened at `t` still feeds what it isolates)."""
        current = self.feeding_at[0][1]
        for since, walk in self.feeding_at[1:]:
            if since < t:
                current = walk
        return current


def play(net: NetworkView, happenings: list[Happening]) -> Played:
    switched = {key: d.state for key, d in net.devices.items()}
    tripped: set[tuple[str, str]] = set()
    dead_dps: set[str] = set()
    dead_substations: set[str] = set()

    def closed_switching(d: NetDevice) -> bool:
        return switched[d.key] == "closed"

    def closed(d: NetDevice) -> bool:
        if switched[d.key] != "closed" or d.key in tripped:
            return False
        return d.kind != "feeder" or net.feeders[d.code][0] not in dead_substations

    # Voltage seen by telemetered devices (a breaker sees its head section: a lost substation).
    telemetered = [d for d in net.devices.values() if d.telemetered]
    sections = set(net.walk(closed).feeder)
    initial = set(net.dps_on(sections))
    normal = net.walk(lambda d: d.normal_state == "closed")
    feeding_at = [(0.0, net.walk(closed_switching).completed(normal))]
    raw: dict[str, list[Transition]] = defaultdict(list)
    voltage = {d.key: _live(d, sections) for d in telemetered}
    device_voltage: list[tuple[float, NetDevice, bool, int]] = []
    applied: list[Happening] = []
    refused: list[tuple[Happening, str]] = []

    for h in sorted(happenings):
        target = h.target
        if isinstance(target, NetDevice):
            if h.action in ("open", "close"):
                state = "open" if h.action == "open" else "closed"
                if switched[target.key] == state:
                    refused.append((h, f"{target.kind} {target.code} already {state}"))
                    continue
                if state == "closed" and target.kind != "feeder":
                    live = [s for s in (target.a, target.b) if s in sections]
                    if len(live) == 2:
                        refused.append((h, "would parallel two energized parts"))
                        continue
                switched[target.key] = state
                feeding_at.append((h.t, net.walk(closed_switching).completed(normal)))
            elif h.action == "trip":
                tripped.add(target.key)
            else:  # reclose / repair of a tripped device
                tripped.discard(target.key)
        else:
            kind, code = target
            dead = {"dp": dead_dps, "substation": dead_substations}.get(kind)
            if dead is None:  # a meter's own failure is played per meter (truth.py)
                applied.append(h)
                continue
            (dead.add if h.action == "fail" else dead.discard)(code)
        applied.append(h)
        # Only what changed: DPs of sections that lost or regained supply, or the DP itself.
        now = set(net.walk(closed).feeder)
        for state, changed in (("off", sections - now), ("on", now - sections)):
            for dp in net.dps_on(changed):
                if dp not in dead_dps:
                    raw[dp].append(Transition(h.t, state, h.fault, h))
        sections = now
        own_dp = not isinstance(target, NetDevice) and target[0] == "dp"
        if own_dp and net.dp_section.get(target[1]) in sections:
            state = "off" if h.action == "fail" else "on"
            raw[target[1]].append(Transition(h.t, state, h.fault, h))
        for d in telemetered:
            live = _live(d, sections) if switched[d.key] == "closed" else voltage[d.key]
            if live != voltage[d.key] and d is not target:
                device_voltage.append((h.t, d, live, h.fault))
            voltage[d.key] = live
    merged = {dp: merge_blinks(changes) for dp, changes in raw.items()}
    return Played(
        {dp: c for dp, c in merged.items() if c},
        device_voltage,
        feeding_at,
        applied,
        refused,
        initial,
    )


def _live(d: NetDevice, sections: set[int]) -> bool:
    return d.a in sections or d.b in sections


def merge_blinks(changes: list[Transition]) -> list[Transition]:
    """Drop supply that came back for less than HOLD seconds before going again (a reclose onto
    a fault that is still there): the meter never really had power back."""
    out: list[Transition] = []
    for c in changes:
        if (
            c.state == "off"
            and len(out) >= 1
            and out[-1].state == "on"
            and c.t - out[-1].t < HOLD
            and len(out) >= 2
        ):
            out.pop()  # the short 'on'; the earlier 'off' stands
            continue
        if out and out[-1].state == c.state:
            continue
        out.append(c)
    return out
