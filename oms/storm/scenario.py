"""Storms on a real network (`build_network_storm`): faults at every device kind, several on one
feeder and overlapping in time, nested, with switching during restoration; what the feeds
send (oms.storm.noise) and the ground truth (oms.storm.truth), deterministic by seed.

Each fault is planned as happenings on the network (oms.storm.operated):
- `dp`: the transformer fails, and is repaired.
- `fuse`: the fuse blows; with `fuse_saving_share` the nearest upstream recloser or breaker first
  trips and recloses (a momentary for everyone else below it).
- `recloser`, `feeder` (its head breaker): trip, reclose onto the fault, trip … lockout (SCADA
  TRIP / RECLOSE / LOCKOUT when telemetered), then closed after the repair; `*_blips`: trip and a
  successful reclose (a momentary).
- `sectionalizer`: the nearest upstream recloser or breaker trips and recloses; the
  sectionalizer opens in its dead time; the next reclose holds (a momentary above it).
- `substation`: lost from transmission; every feeder's breaker loses voltage.
- `meter`: one KAIFA meter's service fails.
- `nested`: a fuse or DP below a sustained recloser, breaker or sectionalizer fault fails with it
  and stays out after it closes (repaired later, or still out at the end).
- `backfeed`: during a sustained fault, operators open a closed switch below it and close a
  normally-open tie that feeds the switch's side from elsewhere (operate emissions).
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from oms.storm import switching
from oms.storm.faults import (
    MOMENTARY,
    NESTED,
    OUTAGE_PHASE,
    RESTORATION_PHASE,
    SUSTAINED,
    Fault,
    Storm,
)
from oms.storm.noise import Emitter, Noise
from oms.storm.operated import Happening, play
from oms.storm.tree import NetDevice, NetworkView
from oms.storm.truth import apply_truth

PROTECTIVE = ("recloser", "feeder")  # devices that trip and reclose


class Plan:
    def __init__(self, net: NetworkView, rng: random.Random, emitter: Emitter, time_scale: float):
        self.net, self.rng, self.out, self.scale = net, rng, emitter, time_scale
        self.faults: list[Fault] = []
        self.targets: dict[int, object] = {}  # fault -> NetDevice | (kind, code)
        self.minus: dict[int, object] = {}  # momentary fault -> the target whose meters stay out
        self.happenings: list[Happening] = []
        self.notes: list[str] = []
        self.used: set = set()
        self.normal = net.walk(lambda d: d.state == "closed")
        self.dp_counts = net.dp_meter_counts
        self.meter_dp: dict[str, str] = {}
        # Meters below each section in the walk (the walk's order is breadth first).
        self.total: dict[int, int] = {}
        for section in reversed(list(self.normal.feeder)):
            own = sum(self.dp_counts.get(dp, 0) for dp in net.section_dps.get(section, ()))
            kids = self.normal.children.get(section, ())
            self.total[section] = own + sum(self.total[k] for k in kids)
        self.ties_at: dict[int, list[NetDevice]] = {}
        for tie in net.of_kind("switch"):
            if tie.state == "open" and tie.a != tie.b:
                for end in (tie.a, tie.b):
                    self.ties_at.setdefault(end, []).append(tie)

    # -- picking devices --------------------------------------------------------------------
    def meters_below(self, d: NetDevice) -> int:
        roots = [s for s in (d.b, d.a) if s is not None and self.normal.via.get(s) is d]
        return sum(self.total.get(s, 0) for s in roots)

    def pick(self, kind: str) -> NetDevice | None:
        options = [
            d for d in self.net.of_kind(kind)
            if d.key not in self.used and d.state == "closed" and self.meters_below(d) > 0
        ]  # fmt: skip
        if not options:
            return None
        d = self.rng.choice(options)
        self.used.add(d.key)
        return d

    def upstream(self, d: NetDevice, kinds=PROTECTIVE) -> NetDevice | None:
        """The nearest device of `kinds` above `d` in the network as it is now."""
        section = d.a if self.normal.via.get(d.b) is d else d.b
        while section is not None:
            via = self.normal.via.get(section)
            if via is None:
                return None
            if via.kind in kinds:
                return via
            section = via.a if via.b == section else via.b
        return None

    def feeder_of(self, d: NetDevice) -> str:
        return self.normal.feeder.get(d.b) or self.normal.feeder.get(d.a) or ""

    # -- happenings and faults --------------------------------------------------------------
    def at(self, t: float, action: str, target, fault: int) -> None:
        self.happenings.append(Happening(t, len(self.happenings), action, target, fault))

    def fault(self, kind, target, start, end, parent=None) -> Fault:
        if isinstance(target, NetDevice):
            scope, code, tele = target.kind, target.code, target.telemetered
            feeder = target.code if target.kind == "feeder" else self.feeder_of(target)
        else:
            (scope, code), tele = target, False
            dp = {"dp": code, "meter": self.meter_dp.get(code)}.get(scope)
            feeder = self.net.dps.get(dp, "") if dp else ""
        substation = code if scope == "substation" else self.net.feeders.get(feeder, ("",))[0]
        f = Fault(len(self.faults), kind, scope, code, feeder, substation, start, end, [], 0,
                  parent, telemetered=tele)  # fmt: skip
        self.faults.append(f)
        self.targets[f.index] = target
        return f

    def status(self, d: NetDevice, t: float, code: str, fault: int, phase=OUTAGE_PHASE) -> None:
        if d.telemetered:
            self.out.scada(code, d, t, fault, phase)

    def duration(self, low=20.0, high=180.0) -> float:
        return self.rng.uniform(low, high) * 60 * self.scale

    # -- the kinds ----------------------------------------------------------------------------
    def trip_to_lockout(self, d: NetDevice, t0: float, f: Fault) -> None:
        """Trip, reclose onto the fault, trip, … lockout: the device stays open from `t0`."""
        self.at(t0, "trip", d, f.index)
        t = t0
        self.status(d, t, "TRIP", f.index)
        for _ in range(self.rng.choice((1, 2))):
            t += self.rng.uniform(1.0, 3.0)
            self.status(d, t, "RECLOSE", f.index)
            t += self.rng.uniform(0.05, 0.3)
            self.status(d, t, "TRIP", f.index)
        self.status(d, t + 0.01, "LOCKOUT", f.index)

    def repair(self, d: NetDevice, t1: float | None, f: Fault) -> None:
        if t1 is not None:
            self.at(t1, "reclose", d, f.index)
            self.status(d, t1, "CLOSE", f.index, RESTORATION_PHASE)

    def blip(self, d: NetDevice, t0: float, f: Fault, hold: float) -> float:
        """Trip and a reclose that holds `hold` seconds later; returns the reclose time."""
        self.at(t0, "trip", d, f.index)
        self.status(d, t0, "TRIP", f.index)
        self.at(t0 + hold, "reclose", d, f.index)
        self.status(d, t0 + hold, "RECLOSE", f.index, RESTORATION_PHASE)
        return t0 + hold

    def live_start(self, d: NetDevice, t0: float, hold: float) -> float:
        """The start of a trip-to-lockout fault at `d` drawn at `t0`, lasting `hold`, moved so
        that the physics holds: a fault below a dark device draws no current, so `d` cannot
        trip, reclose or lock out (nor SCADA report it) while a sustained fault above it has it
        dark (it trips on the closing that re-energizes it), nor can a recloser or breaker below
        it while `d` is locked out (`d`'s fault then comes after that one's lockout)."""
        above, x = set(), d
        while (x := self.upstream(x, kinds=("feeder", "recloser", "sectionalizer", "switch",
                                             "fuse"))) is not None:  # fmt: skip
            above.add(x.key)
        below = set(self.normal.below(d))
        faults = [
            (f, self.targets[f.index]) for f in self.faults
            if f.kind == SUSTAINED and f.end is not None
            and isinstance(self.targets[f.index], NetDevice)
        ]  # fmt: skip
        for _ in range(len(faults) + 1):
            moved = False
            for f, x in faults:
                if x.key in above and f.start <= t0 < f.end:
                    t0, moved = f.end + 0.5, True
                elif (
                    x.kind in PROTECTIVE and x.key != d.key and (x.a in below or x.b in below)
                    and t0 <= f.start < t0 + hold
                ):  # fmt: skip
                    t0, moved = f.start + 10.0, True  # its lockout takes at most ~7 s
            if not moved:
                break
        return t0

    def device_fault(self, d: NetDevice, t0: float) -> Fault:
        hold = self.duration()
        t0 = self.live_start(d, t0, hold)
        t1 = t0 + hold
        f = self.fault(SUSTAINED, d, t0, t1)
        self.trip_to_lockout(d, t0, f)
        self.repair(d, t1, f)
        return f

    def momentary(self, d: NetDevice, t0: float) -> Fault:
        hold = self.rng.uniform(1.0, 4.0)
        f = self.fault(MOMENTARY, d, t0, t0 + hold)
        self.blip(d, t0, f, hold)
        return f

    def fuse(self, d: NetDevice, t0: float, saving_share: float) -> Fault:
        t1 = t0 + self.duration(30, 240)
        f = self.fault(SUSTAINED, d, t0, t1)
        up = self.upstream(d)
        blow = t0
        if up is not None and up.key not in self.used and self.rng.random() < saving_share:
            m = self.fault(MOMENTARY, up, t0, None, parent=f.index)
            m.end = self.blip(up, t0, m, self.rng.uniform(0.5, 2.0))
            self.minus[m.index] = d
            blow = m.end + self.rng.uniform(0.1, 0.5)  # the fault is still there: it blows
            f.start = t0
        self.at(blow, "trip", d, f.index)
        self.at(t1, "reclose", d, f.index)
        return f

    def sectionalizer(self, d: NetDevice, t0: float) -> Fault:
        t1 = t0 + self.duration()
        f = self.fault(SUSTAINED, d, t0, t1)
        up = self.upstream(d)
        if up is None or up.key in self.used:
            self.notes.append(f"sectionalizer {d.code}: no free recloser or breaker above it")
            self.at(t0, "trip", d, f.index)
        else:
            self.used.add(up.key)  # no other fault operates it
            m = self.fault(MOMENTARY, up, t0, None, parent=f.index)
            self.minus[m.index] = d
            self.at(t0, "trip", up, m.index)
            t = t0
            self.status(up, t, "TRIP", m.index)
            t += self.rng.uniform(1.0, 2.0)
            self.status(up, t, "RECLOSE", m.index)
            t += self.rng.uniform(0.05, 0.3)
            self.status(up, t, "TRIP", m.index)
            self.at(t + 0.5, "trip", d, f.index)  # opens in the dead time, having counted two
            m.end = t + self.rng.uniform(2.0, 5.0)
            self.at(m.end, "reclose", up, m.index)
            self.status(up, m.end, "RECLOSE", m.index, RESTORATION_PHASE)
        self.at(t1, "reclose", d, f.index)
        self.status(d, t1, "CLOSE", f.index, RESTORATION_PHASE)
        return f

    def nested(self, parent: Fault) -> Fault | None:
        d = self.targets[parent.index]
        below = set(self.normal.below(d))
        fuses = [
            x for x in self.net.of_kind("fuse")
            if x.key not in self.used and (x.a in below or x.b in below)
            and self.meters_below(x) > 0
        ]  # fmt: skip
        if fuses:
            target = self.rng.choice(fuses)
            self.used.add(target.key)
        else:
            dps = [dp for dp in self.net.dps_on(below) if ("dp", dp) not in self.used]
            if not dps:
                return None
            target = ("dp", self.rng.choice(dps))
            self.used.add(target)
        end = None
        if self.rng.random() < 0.5:
            end = parent.end + self.duration(10, 90)
        # It failed with the parent (its fault below it as well), or on the parent's closing
        # (cold load pickup: supply back for seconds, then a fresh loss, fresh last gasps).
        cold = self.rng.random() < self.cold_load_share
        start = parent.end + self.rng.uniform(6, 30) if cold else parent.start + 0.1
        child = self.fault(NESTED, target, start, end, parent=parent.index)
        action = "trip" if isinstance(target, NetDevice) else "fail"
        self.at(child.start, action, target, child.index)
        if end is not None:
            self.at(end, "reclose" if action == "trip" else "repair", target, child.index)
        return child

    def meter(self, t0: float) -> Fault | None:
        """One KAIFA meter's service drop fails (on a DP of two meters or more)."""
        dps = [dp for dp, n in sorted(self.dp_counts.items()) if n >= 2 and dp in self.net.dps]
        for dp in self.rng.sample(dps, min(len(dps), 20)):
            self.net.load_meters([dp])
            kaifa = [m for m in self.net.meters[dp] if m.channel == "kaifa"]
            kaifa = [m for m in kaifa if ("meter", m.number) not in self.used]
            if kaifa:
                number = self.rng.choice(kaifa).number
                self.meter_dp[number] = dp
                self.used.add(("meter", number))
                end = t0 + self.duration(30, 240) if self.rng.random() < 0.5 else None
                f = self.fault(SUSTAINED, ("meter", number), t0, end)
                self.at(t0, "fail", ("meter", number), f.index)
                if end is not None:
                    self.at(end, "repair", ("meter", number), f.index)
                return f
        return None


def build_network_storm(
    net: NetworkView,
    seed: int = 1,
    *,
    dp: int = 3,
    fuse: int = 3,
    recloser: int = 1,
    recloser_blips: int = 1,
    sectionalizer: int = 1,
    feeder: int = 1,
    feeder_blips: int = 0,
    substation: int = 0,
    meter: int = 2,
    nested: int = 1,
    backfeed: int = 1,
    isolation: int = 1,
    return_to_normal: bool = True,
    fuse_saving_share: float = 0.3,
    cold_load_share: float = 0.5,
    noise: Noise | None = None,
    storm_minutes: float = 20.0,
    time_scale: float = 1.0,
    envelope_share: float = 0.3,
    start: datetime | None = None,
) -> Storm:
    """A storm on `net` (a NetworkView read after an import): each count is how many faults of
    that kind to inject (fewer when the network has fewer such devices: Storm.notes says so)."""
    rng = random.Random(seed)
    emitter = Emitter(rng, f"{seed % 0xFFFF:04x}", noise or Noise())
    plan = Plan(net, rng, emitter, time_scale)
    plan.return_to_normal = return_to_normal
    plan.cold_load_share = cold_load_share
    window = storm_minutes * 60 * time_scale

    def t0() -> float:
        return rng.uniform(0, window)

    def many(kind: str, n: int, make) -> list[Fault]:
        made = []
        for _ in range(n):
            d = plan.pick(kind)
            if d is None:
                plan.notes.append(f"{n - len(made)} {kind} fault(s) asked, no {kind} left")
                break
            made.append(make(d, t0()))
        return made

    # First the isolations: they need a free protective device above a switch (IEEE 123 has
    # one, its feeder breaker).
    for _ in range(isolation):
        if switching.isolation(plan, t0()) is None:
            plan.notes.append(
                "isolation: no switch with a free protective device above it, a switch below"
                " and a tie beyond"
            )
            break
    lockouts = many("feeder", feeder, plan.device_fault)
    lockouts += many("recloser", recloser, plan.device_fault)
    lockouts += many("sectionalizer", sectionalizer, plan.sectionalizer)
    many("recloser", recloser_blips, plan.momentary)
    many("feeder", feeder_blips, plan.momentary)
    many("fuse", fuse, lambda d, t: plan.fuse(d, t, fuse_saving_share))
    dps = [x for x in sorted(net.dps) if plan.dp_counts.get(x, 0)]
    for code in rng.sample(dps, min(dp, len(dps))):
        plan.used.add(("dp", code))
        t = t0()
        f = plan.fault(SUSTAINED, ("dp", code), t, t + plan.duration(20, 240))
        plan.at(f.start, "fail", ("dp", code), f.index)
        plan.at(f.end, "repair", ("dp", code), f.index)
    subs = sorted(net.substation_feeders)
    for code in rng.sample(subs, min(substation, len(subs))):
        t = t0()
        f = plan.fault(SUSTAINED, ("substation", code), t, t + plan.duration(10, 60))
        plan.at(f.start, "fail", ("substation", code), f.index)
        plan.at(f.end, "repair", ("substation", code), f.index)
        emitter.scada("lov", ("substation", code), f.start, f.index, OUTAGE_PHASE)
        emitter.scada("energized", ("substation", code), f.end, f.index, RESTORATION_PHASE)
    for _ in range(meter):
        if plan.meter(t0()) is None:
            plan.notes.append("meter: no DP of two meters or more with a KAIFA meter left")
            break
    parents = [f for f in lockouts if f.kind == SUSTAINED]
    for f in rng.sample(parents, min(nested, len(parents))):
        if plan.nested(f) is None:
            plan.notes.append(f"nested: nothing below {f.scope} {f.device}")
    made = 0
    for f in rng.sample(parents, len(parents)):
        if made >= backfeed:
            break
        made += switching.backfeed(plan, f)
    if made < backfeed:
        plan.notes.append(f"backfeed: {backfeed} asked, {made} possible on this network")
    meters = apply_truth(net, plan, play(net, plan.happenings), emitter, rng)
    emitter.bursts()
    emissions = sorted(emitter.emissions, key=lambda e: (e.arrival, e.seq))
    span = max([e.arrival for e in emissions] + [e.event_time for e in emissions] + [0.0])
    if start is None:
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=math.ceil(span) + 300)
    return Storm(
        start, plan.faults, emissions, meters.expected, meters.unobservable, net,
        meters.onus, meters.info, envelope_share, switching=meters.switching,
        noise=emitter.figures.as_dict(), spurious=emitter.figures.spurious_gasps,
        notes=plan.notes,
    )  # fmt: skip
