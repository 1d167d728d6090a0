"""The ground truth of a network storm, from the happenings as played on the network as operated
(oms.storm.operated): each meter's changes of supply, each fault's meters, customers and when
each of its meters came back; and what the feeds say about it (AMI from the meters' changes,
SCADA voltage of telemetered devices, tickets, and the noise of meters and customers not out).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from oms.storm.faults import MOMENTARY, OUTAGE_PHASE, PLANNED, RESTORATION_PHASE
from oms.storm.network import GridMeter
from oms.storm.operated import Happening, Played, Transition
from oms.storm.tree import NetDevice, NetworkView


@dataclass
class MeterTruth:
    expected: dict[str, str] = field(default_factory=dict)
    unobservable: set[str] = field(default_factory=set)
    onus: dict[str, list[str]] = field(default_factory=dict)
    info: dict[str, GridMeter] = field(default_factory=dict)
    switching: list[tuple[float, str, str, str, str, int]] = field(default_factory=list)


def _observable(cause: Happening) -> bool:
    """Does some feed say that this happening gave supply back (to meters without a channel)?"""
    target = cause.target
    if isinstance(target, NetDevice):
        return target.telemetered or cause.action in ("open", "close")
    return target[0] == "substation"


def meter_changes(meters, dp_changes, initial_live, own) -> dict[str, list[Transition]]:
    """Each meter's changes of supply: its DP's, combined with its own failures (`own`)."""
    out = {}
    for m in meters:
        mine = own.get(m.number)
        if not mine:
            out[m.number] = dp_changes
            continue
        events = [(c.t, 0, c) for c in dp_changes] + [(h.t, 1, h) for h in mine]
        dp_live, alive, changes = initial_live, True, []
        for t, which, item in sorted(events, key=lambda e: (e[0], e[1])):
            before = dp_live and alive
            if which == 0:
                dp_live = item.state == "on"
                fault, cause = item.fault, item.cause
            else:
                alive = item.action == "repair"
                fault, cause = item.fault, item
            now = dp_live and alive
            if now != before:
                changes.append(Transition(t, "on" if now else "off", fault, cause))
        out[m.number] = changes
    return out


def state_at(changes: list[Transition], t: float, initial: str = "on") -> str:
    state = initial
    for c in changes:
        if c.t > t:
            break
        state = c.state
    return state


def apply_truth(net: NetworkView, plan, played: Played, emitter, rng: random.Random) -> MeterTruth:
    truth = MeterTruth()
    faults = plan.faults

    def fault_dps(f) -> list[str]:
        target = plan.targets[f.index]
        walk = played.feeding(f.start)
        if isinstance(target, NetDevice):
            dps = net.dps_on(walk.below(target))
            if f.index in plan.minus:
                skip = set(net.dps_on(walk.below(plan.minus[f.index])))
                dps = [dp for dp in dps if dp not in skip]
            return dps
        kind, code = target
        if kind == "dp":
            return [code]
        if kind == "meter":
            return [plan.meter_dp[code]]
        heads = [net.devices[("feeder", fd)] for fd in net.substation_feeders.get(code, ())]
        return net.dps_on(s for head in heads for s in walk.below(head))

    by_fault = {f.index: fault_dps(f) for f in faults}
    touched = set(played.dp_transitions) | {dp for dps in by_fault.values() for dp in dps}
    net.load_meters(touched)
    own: dict[str, list[Happening]] = defaultdict(list)
    for h in played.applied:
        if not isinstance(h.target, NetDevice) and h.target[0] == "meter":
            own[h.target[1]].append(h)
    changes: dict[str, list[Transition]] = {}
    for dp in sorted(touched):
        dp_changes = played.dp_transitions.get(dp, [])
        changes.update(meter_changes(net.meters[dp], dp_changes, dp in played.initial, own))
        for m in net.meters[dp]:
            truth.info[m.number] = m
            if m.onu_id:
                truth.onus.setdefault(m.onu_id, []).append(m.number)

    for f in faults:
        if f.kind == MOMENTARY and f.index in plan.minus:
            numbers = [m.number for dp in by_fault[f.index] for m in net.meters[dp]]
        elif f.scope == "meter":
            numbers = [f.device]
        else:
            numbers = [m.number for dp in by_fault[f.index] for m in net.meters[dp]]
        before = {n for n in numbers if state_at(changes[n], f.start - 1e-6) == "off"}
        if f.kind == MOMENTARY:  # only the meters that blinked: those out already did not
            numbers = [n for n in numbers if n not in before]
            before = set()
        f.meters = numbers
        f.already_out = before
        f.customers = len({truth.info[n].customer or n for n in numbers})
        for n in numbers:
            back = next((c.t for c in changes[n] if c.state == "on" and c.t > f.start), None)
            f.restored[n] = back

    for number, mine in changes.items():
        if not mine:
            continue
        last = mine[-1]
        if (
            truth.info[number].channel is None
            and last.state == "on"
            and not _observable(last.cause)
        ):
            truth.unobservable.add(number)
        else:
            truth.expected[number] = last.state

    _ami(truth, changes, emitter)
    for t, d, live, fault in played.device_voltage:
        if emitter.noise.device_voltage:
            phase = RESTORATION_PHASE if live else OUTAGE_PHASE
            emitter.scada("energized" if live else "lov", d, t, fault, phase)
    _tickets(truth, faults, changes, emitter, rng, plan.scale)
    horizon = max([h.t for h in played.applied] + [60.0])
    _spurious(net, truth, changes, emitter, rng, horizon)
    for h in played.applied:
        if isinstance(h.target, NetDevice):
            source = "operator" if h.action in ("open", "close") else "protection"
            action = {"trip": "open", "reclose": "close"}.get(h.action, h.action)
            truth.switching.append((h.t, h.target.kind, h.target.code, action, source, h.fault))
    for h, why in played.refused:
        plan.notes.append(f"operation {h.action} {h.target.kind} {h.target.code} not made: {why}")
        emitter.emissions = [
            e for e in emitter.emissions
            if not (e.provider == "operate" and e.ref is h.target and e.event_time == h.t)
        ]  # fmt: skip
    return truth


def _ami(truth: MeterTruth, changes, emitter) -> None:
    onus_done: set[str] = set()
    for number, mine in changes.items():
        m = truth.info[number]
        if m.channel is None or not mine:
            continue
        if m.channel == "onu":
            if m.onu_id in onus_done:
                continue
            onus_done.add(m.onu_id)
            reporter, provider, ref = f"onu:{m.onu_id}", "onu", m.onu_id
        else:
            reporter, provider, ref = number, "kaifa", m
        for i, c in enumerate(mine):
            following = mine[i + 1].t if i + 1 < len(mine) else None
            blip = c.state == "on" and i > 0 and c.t - mine[i - 1].t < 60
            emitter.ami(reporter, provider, ref, c.state, c.t, c.fault, following, blip)


def _tickets(truth, faults, changes, emitter, rng, scale) -> None:
    share = emitter.noise.call_share
    for f in faults:
        if f.kind in (MOMENTARY, PLANNED):
            continue
        seen: set[str] = set()
        for n in f.meters:
            m = truth.info[n]
            who = m.customer or n
            if who in seen or rng.random() >= share:
                continue
            seen.add(who)
            t = f.start + rng.uniform(120, 2400) * scale
            for _ in range(2 if rng.random() < 0.1 else 1):
                if state_at(changes[n], t) != "off":
                    break
                emitter.ticket(m, t, f.index)
                t += rng.uniform(300, 1800) * scale


def _spurious(net: NetworkView, truth, changes, emitter, rng, horizon) -> None:
    """Last gasps from meters still fed, and tickets from customers not out."""
    noise = emitter.noise
    total = sum(net.dp_meter_counts.values())
    gasps = round(total * noise.spurious_gasp_share)
    calls = round(total * noise.false_call_share)
    dps = sorted(dp for dp, n in net.dp_meter_counts.items() if n and dp in net.dps)
    tries = 0
    while (gasps > 0 or calls > 0) and dps and tries < 20 * (gasps + calls + 1):
        tries += 1
        dp = rng.choice(dps)
        net.load_meters([dp])
        m = rng.choice(net.meters[dp])
        t = rng.uniform(0, horizon)
        if state_at(changes.get(m.number, []), t) != "on":
            continue
        if gasps > 0 and m.channel is not None:
            gasps -= 1
            group = [x.number for x in net.meters[dp] if m.onu_id and x.onu_id == m.onu_id]
            group = group or [m.number]
            provider, ref = ("onu", m.onu_id) if m.channel == "onu" else ("kaifa", m)
            emitter.deliver(provider, "lg", ref, t, -1, OUTAGE_PHASE, rng.choice((1, 1, 2)))
            if rng.random() < noise.spurious_power_up_share:
                emitter.deliver(provider, "pu", ref, t + rng.uniform(5, 300), -1, RESTORATION_PHASE)
            emitter.figures.spurious_gasps.update(group)
        elif calls > 0:
            calls -= 1
            emitter.ticket(m, t, -1)
            emitter.figures.false_calls.add(m.customer or m.number)
            group = [m.number]
        else:
            continue
        for n in group:
            info = next(x for x in net.meters[dp] if x.number == n)
            truth.info[n] = info
            if info.onu_id:
                truth.onus.setdefault(info.onu_id, [])
                if n not in truth.onus[info.onu_id]:
                    truth.onus[info.onu_id].append(n)
            if n not in changes:
                truth.expected.setdefault(n, "on")
