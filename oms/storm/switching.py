"""Switching during restoration, planned on a storm's network (oms.storm.scenario's Plan):
isolating a faulted section and back-feeding what lies beyond it through a normally-open tie.
The operations are emitted as `operate` messages (POST /api/devices/<kind>/<code>/operate/)."""

from __future__ import annotations

from oms.storm.faults import NESTED, PLANNED, SUSTAINED, Fault
from oms.storm.tree import NetDevice

OPERABLE = ("switch", "sectionalizer")


def devices_below(plan, d: NetDevice) -> list[NetDevice]:
    """The closed devices `d` feeds through (each fed from within what `d` feeds)."""
    out = []
    for section in plan.normal.below(d):
        via = plan.normal.via.get(section)
        if via is not None and via is not d and via not in out:
            out.append(via)
    return out


def ties_onto(plan, side: set[int], away: set[int]) -> list[NetDevice]:
    """Normally-open ties with one end in `side` and the other fed, outside `away`."""
    out = []
    for section in sorted(side):
        for tie in plan.ties_at.get(section, ()):
            far = {tie.a, tie.b} - side
            fed = all(x in plan.normal.feeder and x not in away for x in far)
            if len(far) == 1 and fed and tie.key not in plan.used and tie not in out:
                out.append(tie)
    return out


def isolation(plan, t0: float) -> Fault | None:
    """A fault on the section just below a closed switch Z: the protective device P above
    it locks out; operators open Z and a switch C below it (isolating Z's section), P is
    closed again, a tie back-feeds what lies below C; after the repair Z is closed. The
    truth: P's fault (until P closes) and a nested fault at Z (its section, until Z closes);
    then, with `return_to_normal`, the tie opened and C closed (`back_to_normal`).
    """
    zs = [z for kind in OPERABLE for z in plan.net.of_kind(kind)]
    plan.rng.shuffle(zs)
    options = []
    for z in zs:
        if z.state != "closed" or z.key in plan.used or plan.normal.via.get(z.b) is not z:
            continue
        p = plan.upstream(z)
        if p is None or p.key in plan.used:
            continue
        below_z = set(plan.normal.below(z))
        for c in devices_below(plan, z):
            if c.kind not in OPERABLE or c.key in plan.used:
                continue
            below_c = set(plan.normal.below(c))
            if plan.meters_below(c) <= 0 or plan.meters_below(z) - plan.meters_below(c) <= 0:
                continue  # an isolated section and a back-fed side, both with meters
            options += [(z, c, p, tie) for tie in ties_onto(plan, below_c, below_z)]
        if options:
            break
    if not options:
        return None
    z, c, p, tie = plan.rng.choice(options)
    plan.used.update({z.key, c.key, p.key, tie.key})
    t_iso = t0 + plan.rng.uniform(5, 20) * 60 * plan.scale
    t_c = t_iso + plan.rng.uniform(10, 60)
    t_p = t_c + plan.rng.uniform(30, 120)
    t_tie = t_p + plan.rng.uniform(30, 120)
    t1 = t_tie + plan.duration()
    f = plan.fault(SUSTAINED, p, t0, t_p)
    plan.trip_to_lockout(p, t0, f)
    child = plan.fault(NESTED, z, t_iso, t1, parent=f.index)
    plan.minus[child.index] = c
    for t, action, device, fault in (
        (t_iso, "open", z, child.index), (t_c, "open", c, child.index),
        (t_tie, "close", tie, f.index), (t1, "close", z, child.index),
    ):  # fmt: skip
        plan.at(t, action, device, fault)
        plan.out.operate(device, action, t, fault)
    plan.repair(p, t_p, f)
    if plan.return_to_normal:
        back_to_normal(plan, tie, c, t1)
    return f


def back_to_normal(plan, tie: NetDevice, switch: NetDevice, after: float) -> None:
    """After the repair, operators open the tie and close the switch it stood in for (open
    transition: the engine refuses to parallel two sources), a brief planned interruption of
    what the tie fed: a `planned` fault at the tie."""
    t_open = after + plan.rng.uniform(5, 30) * 60 * plan.scale
    t_close = t_open + plan.rng.uniform(10, 60)
    f = plan.fault(PLANNED, tie, t_open, t_close)
    for t, action, device in ((t_open, "open", tie), (t_close, "close", switch)):
        plan.at(t, action, device, f.index)
        plan.out.operate(device, action, t, f.index)


def backfeed(plan, parent: Fault) -> bool:
    """Open a closed switch below the fault and close a tie onto the switch's side."""
    d = plan.targets[parent.index]
    zone = set(plan.normal.below(d))
    for s in devices_below(plan, d):
        if s.kind not in OPERABLE or s.key in plan.used or plan.meters_below(s) <= 0:
            continue
        for tie in ties_onto(plan, set(plan.normal.below(s)), zone):
            t_open = parent.start + plan.rng.uniform(5, 20) * 60 * plan.scale
            t_close = t_open + plan.rng.uniform(30, 120)
            if parent.end is not None and t_close + 60 > parent.end:
                continue
            plan.used.update({s.key, tie.key})
            for t, action, device in ((t_open, "open", s), (t_close, "close", tie)):
                plan.at(t, action, device, parent.index)
                plan.out.operate(device, action, t, parent.index)
            if plan.return_to_normal and parent.end is not None:
                back_to_normal(plan, tie, s, parent.end)
            return True
    return False
