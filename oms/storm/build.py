"""Storms on the grid of substations, feeders and DPs: faults at feeders, DPs and meters, with
what SCADA, ONU, KAIFA and the call center would send, and the ground truth."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from oms.storm.faults import (
    MOMENTARY,
    NESTED,
    OUTAGE_PHASE,
    REPEAT_WEIGHTS,
    RESTORATION_PHASE,
    SUSTAINED,
    Emission,
    Fault,
    Storm,
)
from oms.storm.network import GridMeter, GridView


def _repeat_count(rng: random.Random, max_repeats: int) -> int:
    choices = [n for n in REPEAT_WEIGHTS if n <= max_repeats] or [1]
    return rng.choices(choices, weights=[REPEAT_WEIGHTS[n] for n in choices])[0]


def build_storm(
    grid: GridView,
    seed: int = 1,
    *,
    feeder_faults: int = 2,
    dp_faults: int = 2,
    dp_blips: int = 1,
    feeder_blips: int = 0,
    nested_dps: int = 1,
    nested_meters: int = 2,
    last_gasp_share: float = 0.8,
    max_repeats: int = 6,
    late_share: float = 0.1,
    call_share: float = 0.1,
    power_up_share: float = 1.0,
    dp_evidence_floor: float = 0.0,
    envelope_share: float = 0.3,
    storm_minutes: float = 20.0,
    time_scale: float = 1.0,
    start: datetime | None = None,
) -> Storm:
    """Inject faults and emit what the feeds would send, with the ground truth.

    Faults go to distinct feeders (one fault per feeder, so two DP faults never roll up into a
    feeder outage the ground truth does not have). Feeder faults: a SCADA loss of voltage, last
    gasps, tickets, then SCADA energized and power-ups. DP faults: last gasps, tickets, power-ups.
    Nested: after a feeder fault's restoration, one DP of it (`nested_dps`) or single KAIFA meters
    (`nested_meters`, also inside DP faults) fail again — a fresh last gasp seconds after the
    re-energization and no power-up — and stay out. Blips: last gasp and power-up seconds apart
    (`feeder_blips` also trip and re-close the feeder breaker).

    Last gasps: `last_gasp_share` of the affected ONUs and KAIFA meters send one, each delivered
    1 to `max_repeats` times (re-deliveries of the same message, or retransmissions with a new id a
    few minutes later); `dp_evidence_floor` > 0 tops the gasps of a DP fault up until they cover
    that share of its meters (a test that wants every DP fault provable sets it). `late_share`
    of messages arrive 2 to 30 minutes late, so out of order.
    Tickets: `call_share` of the affected customers call (some twice). Durations are multiplied
    by `time_scale` (message latencies are not). Times are seconds after `start`; by default the
    storm ends five minutes before now, so no event is in the future.
    """
    rng = random.Random(seed)
    tag = f"{seed % 0xFFFF:04x}"
    feeders = sorted(grid.feeders)
    rng.shuffle(feeders)
    total = feeder_faults + dp_faults + dp_blips + feeder_blips
    if total > len(feeders):
        raise ValueError(f"{total} faults need {total} feeders; the grid has {len(feeders)}")
    picks = iter(feeders)
    plan: list[tuple[str, str, str]] = []  # (kind, scope, device)
    plan += [(SUSTAINED, "feeder", next(picks)) for _ in range(feeder_faults)]
    plan += [(SUSTAINED, "dp", rng.choice(grid.feeder_dps[next(picks)])) for _ in range(dp_faults)]
    plan += [(MOMENTARY, "dp", rng.choice(grid.feeder_dps[next(picks)])) for _ in range(dp_blips)]
    plan += [(MOMENTARY, "feeder", next(picks)) for _ in range(feeder_blips)]

    def dps_of(scope, device):
        return sorted(grid.feeder_dps[device]) if scope == "feeder" else [device]

    grid.load_meters(dp for _, scope, device in plan for dp in dps_of(scope, device))
    meter_info = {m.number: m for dp in grid.meters.values() for m in dp}

    onus: dict[str, list[str]] = defaultdict(list)
    for meters in grid.meters.values():
        for m in meters:
            if m.onu_id:
                onus[m.onu_id].append(m.number)

    emissions: list[Emission] = []
    faults: list[Fault] = []
    state_changes: list[tuple[float, str, str]] = []  # (time, meter, on|off): the truth
    unobservable: set[str] = set()
    counter = 0

    def next_id() -> str:
        nonlocal counter
        counter += 1
        return f"{tag}{counter:07x}"

    def emit(arrival, provider, kind, ref, event_time, fault, phase, event_id=None, **kw):
        emissions.append(
            Emission(
                arrival,
                len(emissions),
                provider,
                kind,
                ref,
                event_time,
                event_id or next_id(),
                fault,
                phase,
                variant=rng.randrange(1000),
                **kw,
            )
        )
        return emissions[-1]

    def latency(provider: str) -> float:
        if rng.random() < late_share:
            return rng.uniform(120, 1800)
        return rng.uniform(30, 60) if provider == "kaifa" else rng.uniform(0.5, 5)

    def deliver(provider, kind, ref, event_time, fault, phase, copies=1, latest=None):
        """One message, delivered `copies` times: re-deliveries or retransmissions."""
        first = emit(event_time + latency(provider), provider, kind, ref, event_time, fault, phase)
        for k in range(1, copies):
            resend_at = event_time + k * rng.uniform(120, 240)
            if rng.random() < 0.5 and resend_at < min(event_time + 1200, latest or math.inf):
                emit(resend_at + latency(provider), provider, kind, ref, resend_at, fault, phase)
            else:
                emit(
                    first.arrival + rng.uniform(5, 1200),
                    provider,
                    kind,
                    ref,
                    event_time,
                    fault,
                    phase,
                    event_id=first.event_id,
                    redelivery=True,
                )

    def reporters(meters: list[GridMeter]):
        """The channels the meters report through: ('onu', ONU id) or ('kaifa', meter)."""
        seen, out = set(), []
        for m in meters:
            if m.channel == "onu" and m.onu_id not in seen:
                seen.add(m.onu_id)
                out.append(("onu", m.onu_id))
            elif m.channel == "kaifa":
                out.append(("kaifa", m))
        return out

    def last_gasps(meters, t0, fault, latest, share, floor=0.0):
        """`share` of the reporters gasp; at least `floor` of the meters are covered."""
        chosen, silent = [], []
        for reporter in reporters(meters):
            (chosen if rng.random() < share else silent).append(reporter)
        covered = sum(len(onus[r]) if p == "onu" else 1 for p, r in chosen)
        rng.shuffle(silent)
        while silent and covered < floor * len(meters):
            p, r = silent.pop()
            chosen.append((p, r))
            covered += len(onus[r]) if p == "onu" else 1
        for provider, ref in chosen:
            t = t0 + rng.uniform(0.05, 2.0)
            copies = _repeat_count(rng, max_repeats)
            deliver(provider, "lg", ref, t, fault, OUTAGE_PHASE, copies, latest)

    def power_ups(meters, t0, fault, spread=60.0):
        for provider, ref in reporters(meters):
            if rng.random() < power_up_share:
                t = t0 + rng.uniform(1.0, spread)
                deliver(provider, "pu", ref, t, fault, RESTORATION_PHASE, rng.choice((1, 1, 2)))

    def tickets(meters, t0, t_end, fault):
        customers = {}
        for m in meters:
            customers.setdefault(m.customer or m.number, m)
        for m in customers.values():
            if rng.random() >= call_share:
                continue
            calls = 2 if rng.random() < 0.1 else 1
            t = t0 + rng.uniform(120, 2400) * time_scale
            for _ in range(calls):
                if t_end is not None and t >= t_end - 30:
                    break
                arrival = t + rng.uniform(0.2, 2.0)
                e = emit(arrival, "call_center", "ticket", m, t, fault, OUTAGE_PHASE)
                if rng.random() < 0.05:
                    emit(
                        e.arrival + rng.uniform(1, 60),
                        "call_center",
                        "ticket",
                        m,
                        t,
                        fault,
                        OUTAGE_PHASE,
                        event_id=e.event_id,
                        redelivery=True,
                    )
                t += rng.uniform(300, 1800) * time_scale

    def scada(kind, feeder, t, fault, phase):
        e = emit(t + rng.uniform(0.5, 3.0), "scada", kind, feeder, t, fault, phase)
        if rng.random() < 0.2:  # the SCADA gateway re-sends the alarm
            emit(
                e.arrival + rng.uniform(1, 30),
                "scada",
                kind,
                feeder,
                t,
                fault,
                phase,
                event_id=e.event_id,
                redelivery=True,
            )

    def add_fault(kind, scope, device, start_t, end_t, meters, parent=None) -> Fault:
        dp = meter_info[meters[0]].dp if scope == "meter" else device
        feeder = device if scope == "feeder" else grid.dps[dp]
        fault = Fault(
            len(faults),
            kind,
            scope,
            device,
            feeder,
            grid.feeders[feeder][0],
            start_t,
            end_t,
            meters,
            len({meter_info[n].customer or n for n in meters}),
            parent,
        )
        faults.append(fault)
        return fault

    window = storm_minutes * 60 * time_scale
    nested_dp_budget, nested_meter_budget = nested_dps, nested_meters
    for kind, scope, device in plan:
        meters = [m for dp in dps_of(scope, device) for m in grid.meters[dp]]
        if not meters:
            continue
        t0 = rng.uniform(0, window)
        if kind == MOMENTARY:
            t1 = t0 + rng.uniform(3, 40)
        elif scope == "feeder":
            t1 = t0 + rng.uniform(30, 180) * 60 * time_scale
        else:
            t1 = t0 + rng.uniform(20, 240) * 60 * time_scale
        fault = add_fault(kind, scope, device, t0, t1, [m.number for m in meters])
        for m in meters:
            state_changes.append((t0, m.number, "off"))
            state_changes.append((t1, m.number, "on"))
        if scope == "feeder":
            scada("lov", device, t0 + rng.uniform(0.05, 0.5), fault.index, OUTAGE_PHASE)
        floor = dp_evidence_floor if scope == "dp" else 0.0
        last_gasps(meters, t0, fault.index, t1 - 1, last_gasp_share, floor)
        if kind == SUSTAINED:
            tickets(meters, t0, t1, fault.index)
        if scope == "feeder":
            scada("energized", device, t1, fault.index, RESTORATION_PHASE)
        else:
            # Only AMI tells a DP is back: meters without a channel stay unknowable.
            unobservable.update(m.number for m in meters if m.channel is None)

        # Nested: parts that do not come back with the device (cold load pickup, a blown fuse).
        stay_out: set[str] = set()
        if kind == SUSTAINED and scope == "feeder" and nested_dp_budget > 0:
            candidates = [
                dp
                for dp in dps_of(scope, device)
                if sum(1 for m in grid.meters[dp] if m.channel) >= 4
            ]
            if candidates:
                nested_dp_budget -= 1
                dp = rng.choice(candidates)
                out = grid.meters[dp]
                tn = t1 + rng.uniform(3, 20)
                child = add_fault(NESTED, "dp", dp, tn, None, [m.number for m in out], fault.index)
                stay_out.update(m.number for m in out)
                for m in out:
                    state_changes.append((tn, m.number, "off"))
                share = max(last_gasp_share, 0.75)
                last_gasps(out, tn, child.index, None, share, dp_evidence_floor)
                tickets(out, tn, None, child.index)
        if kind == SUSTAINED and nested_meter_budget > 0:
            for dp in dps_of(scope, device):
                if nested_meter_budget <= 0:
                    break
                if any(n in stay_out for n in (m.number for m in grid.meters[dp])):
                    continue
                kaifa = [m for m in grid.meters[dp] if m.channel == "kaifa"]
                if not kaifa or len(grid.meters[dp]) < 6:
                    continue
                nested_meter_budget -= 1
                m = rng.choice(kaifa)
                tn = t1 + rng.uniform(3, 60)
                child = add_fault(NESTED, "meter", m.number, tn, None, [m.number], fault.index)
                stay_out.add(m.number)
                state_changes.append((tn, m.number, "off"))
                deliver(
                    "kaifa",
                    "lg",
                    m,
                    tn + rng.uniform(0.05, 2.0),
                    child.index,
                    OUTAGE_PHASE,
                    _repeat_count(rng, max_repeats),
                )
        power_ups(
            [m for m in meters if m.number not in stay_out],
            t1,
            fault.index,
            spread=15.0 if kind == MOMENTARY else 60.0,
        )

    expected: dict[str, str] = {}
    for _, number, state in sorted(state_changes, key=lambda c: c[0]):
        expected[number] = state
    # A meter that stays out is knowable by inference at its DP; one restored at a DP is not.
    unobservable = {n for n in unobservable if expected.get(n) == "on"}
    for n in unobservable:
        expected.pop(n, None)

    emissions.sort(key=lambda e: (e.arrival, e.seq))
    span = max([e.arrival for e in emissions] + [e.event_time for e in emissions] + [0.0])
    if start is None:
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=math.ceil(span) + 300)
    return Storm(
        start,
        faults,
        emissions,
        expected,
        unobservable,
        grid,
        dict(onus),
        meter_info,
        envelope_share,
    )
