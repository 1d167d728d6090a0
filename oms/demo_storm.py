"""The demo's storm on a network with devices, and its ground truth.

One storm, on the network as the database holds it (`oms.demo_network`):

- a **fuse** blows on a lateral early and stays out until late (still out after the recloser
  above it closes: a nested outage);
- the **recloser** above a trunk section trips twice and recloses (momentary operations), then
  locks out on a permanent fault in that section;
- **switching during restoration**, through the real switching API as a crew would do it: open
  the switch upstream of the faulted section (when the recloser is not itself that switch),
  open the switch below it, close the recloser again by SCADA (the part upstream is back),
  close a normally-open tie so the part below is **back-fed** from the other side; after the
  repair, close the upstream switch (or the recloser), open the tie and close the switch below
  (a brief planned interruption: the engine refuses to parallel two sources);
- a second **fuse** blows on another lateral while the back-feed holds.

Evidence is what the feeds would send: SCADA for telemetered devices (a recloser's trip names
it by `deviceId`/`deviceType`, CONTRACT §10), ONU and KAIFA last gasps and power-ups (most,
not all; some re-delivered), customers' calls. Truth is computed from the meters' energization
over time, so it holds whatever the engine makes of the evidence.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from oms.storm import RENDERERS, GridView
from oms.storm.faults import (
    MOMENTARY,
    OUTAGE_PHASE,
    RESTORATION_PHASE,
    SUSTAINED,
    Emission,
    Fault,
    Storm,
)

PROTECTIVE = ("recloser", "fuse")
SCADA_REASONS = {
    "trip": "Protection trip",
    "reclose": "Reclosed",
    "lockout": "Protection trip, locked out",
    "close": "Closed by SCADA after the repair",
}
OPERABLE = ("switch", "sectionalizer")


@dataclass
class Dev:
    id: int
    kind: str
    code: str
    state: str
    telemetered: bool
    section_a: int | None
    section_b: int | None
    upstream: int | None
    feeder: str
    substation: str


@dataclass
class Network:
    """The devices, sections (as operated: path of device ids from the head, nearest last) and
    DPs of the demo's feeders."""

    devices: dict[int, Dev]
    paths: dict[int, list[int]]  # section id -> device ids above it
    section_dps: dict[int, list[str]]
    section_feeder: dict[int, str]

    @classmethod
    def read(cls, feeders: list[str], cursor) -> Network:
        cursor.execute(
            """SELECT d.id, d.kind, d.code, d.state, d.telemetered, d.section_a_id,
                      d.section_b_id, d.upstream_section_id, f.feeder_id, s.substation_id
               FROM network_devices d JOIN network_feeders f ON f.id = d.feeder_id
               JOIN network_substations s ON s.id = f.substation_id
               WHERE f.feeder_id = ANY(%s)""",
            [feeders],
        )
        devices = {row[0]: Dev(*row) for row in cursor.fetchall()}
        cursor.execute(
            """SELECT n.id, n.path, f.feeder_id FROM network_sections n
               JOIN network_feeders f ON f.id = n.feeder_id WHERE f.feeder_id = ANY(%s)""",
            [feeders],
        )
        paths, section_feeder = {}, {}
        for section, path, feeder in cursor.fetchall():
            paths[section], section_feeder[section] = list(path), feeder
        cursor.execute(
            """SELECT p.section_id, p.dp_id FROM network_distribution_points p
               WHERE p.section_id = ANY(%s) AND p.status = 'active' ORDER BY p.dp_id""",
            [list(paths)],
        )
        section_dps: dict[int, list[str]] = {}
        for section, dp in cursor.fetchall():
            section_dps.setdefault(section, []).append(dp)
        return cls(devices, paths, section_dps, section_feeder)

    def dps_below(self, device: Dev) -> set[str]:
        return {
            dp
            for section, path in self.paths.items()
            if device.id in path
            for dp in self.section_dps.get(section, [])
        }

    def protective_above(self, section: int) -> Dev | None:
        for device_id in reversed(self.paths.get(section, [])):
            if self.devices[device_id].kind in PROTECTIVE:
                return self.devices[device_id]
        return None

    def restoration_plans(self) -> list[tuple[Dev, Dev, Dev, Dev]]:
        """(recloser R, upstream switch U — R itself when R feeds the faulted section —,
        switch below D, tie T): a fault in the section between U and D, isolated by opening
        both, the part below D back-fed by closing T."""
        plans = []
        for tie in self.devices.values():
            if tie.kind != "switch" or tie.state != "open":
                continue
            for side, other in ((tie.section_a, tie.section_b), (tie.section_b, tie.section_a)):
                if side not in self.paths or other not in self.paths:
                    continue
                path, elsewhere = self.paths[side], set(self.paths[other])
                for down_id in reversed(path):
                    down = self.devices[down_id]
                    if down_id in elsewhere or down.kind not in OPERABLE or down.state != "closed":
                        continue
                    faulted = down.upstream
                    above = self.paths.get(faulted, [])
                    if not above or above[-1] in elsewhere:
                        continue
                    up = self.devices[above[-1]]
                    recloser = self.protective_above(faulted)
                    if recloser is None or recloser.kind != "recloser":
                        continue
                    if up.id != recloser.id and (up.kind not in OPERABLE or up.state != "closed"):
                        continue
                    plans.append((recloser, up, down, tie))
        return plans


@dataclass
class Step:
    """A crew's operation, sent to POST /api/devices/<kind>/<code>/operate/."""

    at: float
    kind: str
    code: str
    action: str
    note: str


@dataclass
class DemoStorm:
    storm: Storm  # faults (the truth), emissions (incl. SCADA and switching), rendering
    steps: list[Step] = field(default_factory=list)
    story: list[str] = field(default_factory=list)  # what happens, for the terminal
    feeders: list[str] = field(default_factory=list)
    back_fed: int = 0  # meters the tie feeds while the faulted section is isolated (truth)

    @property
    def start(self) -> datetime:
        return self.storm.start

    def render(self, e: Emission) -> dict:
        if e.provider == "operate":
            step: Step = e.ref
            return {"kind": step.kind, "code": step.code, "action": step.action, "note": step.note}
        if e.provider == "scada":
            return scada_payload(self.storm, e)
        return RENDERERS[e.provider](self.storm, e)

    def timeline(self):
        """(arrival seconds after start, channel, payload): channel is a provider or
        `operate`."""
        for e in self.storm.emissions:
            yield e.arrival, e.provider, self.render(e)


def scada_payload(storm: Storm, e: Emission) -> dict:
    device: Dev = e.ref
    lov = e.kind in ("trip", "lockout")
    # A telemetered device's own status (CONTRACT §10): TRIP, RECLOSE, LOCKOUT, CLOSE.
    event = {
        "eventId": f"demo-{e.event_id}",
        "eventType": "MV_DeviceStatus",
        "alarmType": e.kind.upper(),
        "substationId": device.substation,
        "feederId": device.feeder,
        "timestamp": storm.timestamp(e.event_time),
        "voltage": 0 if lov else 12470,
        "severity": "Critical" if lov else "Low",
        "reason": SCADA_REASONS[e.kind],
    }
    if device.kind != "feeder":
        event |= {"deviceId": device.code, "deviceType": device.kind}
    return event


def build_demo_storm(
    network: Network,
    grid: GridView,
    seed: int,
    *,
    minutes: float = 4.0,
    start: datetime | None = None,
    feeders: list[str] = (),
) -> DemoStorm:
    """Plan the storm described in the module docstring on `network` and emit its messages.

    Raises ValueError when the network has no recloser with a tie to back-feed through."""
    rng = random.Random(seed)
    plans = [
        plan
        for plan in network.restoration_plans()
        if len(network.dps_below(plan[2])) >= 2
        and network.dps_below(plan[1]) - network.dps_below(plan[2])
    ]
    if not plans:
        raise ValueError("the network has no recloser, isolating switches and tie to play")
    recloser, up, down, tie = rng.choice(sorted(plans, key=lambda p: [d.code for d in p]))
    below_r, below_u, below_d = (network.dps_below(d) for d in (recloser, up, down))
    fuses = [d for d in network.devices.values() if d.kind == "fuse" and d.state == "closed"]
    # Laterals away from the switched part, so the switching does not mask the fuses.
    fuses = sorted(
        (f for f in fuses if not network.dps_below(f) & below_u and network.dps_below(f)),
        key=lambda f: f.code,
    )
    rng.shuffle(fuses)
    fuses.sort(key=lambda f: len(network.dps_below(f)) < 3)  # laterals of a few DPs first
    length = 60.0 * minutes
    t_lock = 0.12 * length + 12
    # Every sustained part lasts over 30 s (oms demo's momentary line, oms.demo_start).
    t_close_r = t_lock + 0.2 * length
    t_tie = t_lock + 0.25 * length
    t_repair = 0.82 * length
    causes: list[tuple[float, float, set[str], str]] = []  # start, end, DPs, why
    faults: list[tuple[str, Dev, float, float, set[str]]] = []  # kind, device, start, end, DPs
    story = []
    if fuses:
        f1 = fuses[0]
        faults.append((SUSTAINED, f1, 0.02 * length, 0.92 * length, network.dps_below(f1)))
        story.append(f"fuse {f1.code} blows ({len(faults[-1][4])} DPs), out until the end")
    for n, blip in enumerate((t_lock - 12, t_lock - 6)):
        faults.append((MOMENTARY, recloser, blip, blip + 2.0, below_r))
        story.append(f"recloser {recloser.code} trips and recloses ({n + 1})")
    faults.append((SUSTAINED, recloser, t_lock, t_repair, below_r))
    story.append(f"recloser {recloser.code} locks out: {len(below_r)} DPs off")
    steps = []
    if up.id != recloser.id:
        steps.append(Step(t_lock + 0.05 * length, up.kind, up.code, "open", "isolate the fault"))
    steps.append(Step(t_lock + 0.08 * length, down.kind, down.code, "open", "isolate the fault"))
    steps.append(Step(t_tie, tie.kind, tie.code, "close", "back-feed through the tie"))
    if up.id != recloser.id:
        causes.append((t_lock, t_close_r, below_r - below_u, "lockout"))
        steps.append(Step(t_repair, up.kind, up.code, "close", "repaired"))
        isolated = below_u - below_d
    else:
        isolated = below_r - below_d
    causes.append((t_lock, t_repair, isolated, "faulted section"))
    causes.append((t_lock, t_tie, below_d, "lockout, then isolated"))
    steps.append(Step(t_repair + 8, tie.kind, tie.code, "open", "back to normal"))
    steps.append(Step(t_repair + 10, down.kind, down.code, "close", "back to normal"))
    causes.append((t_repair + 8, t_repair + 10, below_d, "transfer back"))
    isolating = [s.code for s in steps if s.note == "isolate the fault"]
    story.append(
        f"crew opens {' and '.join(isolating)}, closes tie {tie.code}: {len(below_d)} DPs "
        "back-fed; after the repair, back to normal"
    )
    if len(fuses) > 1:
        f2 = fuses[1]
        t0 = t_lock + 0.3 * length
        faults.append((SUSTAINED, f2, t0, max(0.75 * length, t0 + 45), network.dps_below(f2)))
        story.append(f"fuse {f2.code} blows ({len(faults[-1][4])} DPs) during the back-feed")
    for kind, device, t0, t1, dps in faults:
        if kind != SUSTAINED or device.id != recloser.id:
            causes.append((t0, t1, dps, kind))
    demo = _emit(
        network, grid, rng, seed, faults, causes, steps, story, recloser,
        (t_close_r if up.id != recloser.id else t_repair), length, start, feeders,
    )  # fmt: skip
    demo.back_fed = sum(len(grid.meters.get(dp, [])) for dp in below_d)
    return demo


def _emit(network, grid, rng, seed, faults, causes, steps, story, recloser, t_close_r, length,
          start, feeders) -> DemoStorm:  # fmt: skip
    grid.load_meters({dp for *_, dps in faults for dp in dps})
    meter_info = {m.number: m for dps in grid.meters.values() for m in dps}
    onus: dict[str, list[str]] = {}
    for m in meter_info.values():
        if m.onu_id:
            onus.setdefault(m.onu_id, []).append(m.number)
    emissions: list[Emission] = []
    tag = f"{seed:04x}{int((start or datetime.now(UTC)).timestamp()) % 0xFFFFFF:06x}"

    def emit(arrival, provider, kind, ref, t, fault=-1, phase=OUTAGE_PHASE, event_id=None, **kw):
        emissions.append(
            Emission(arrival, len(emissions), provider, kind, ref, t,
                     event_id or f"{tag}{len(emissions):05x}", fault, phase,
                     variant=rng.randrange(1000), **kw)
        )  # fmt: skip
        return emissions[-1]

    truth: list[Fault] = []
    for n, (kind, device, t0, t1, dps) in enumerate(faults):
        meters = sorted(m.number for dp in dps for m in grid.meters.get(dp, []))
        customers = len({meter_info[x].customer or x for x in meters})
        truth.append(Fault(n, kind, device.kind, device.code, device.feeder, device.substation,
                           t0, t1, meters, customers))  # fmt: skip
    # The recloser's own SCADA: trips, recloses, lockout, and the close after the repair.
    if recloser.telemetered:
        for fault in truth:
            if fault.device == recloser.code:
                blip = fault.kind == MOMENTARY
                emit(fault.start + rng.uniform(0.5, 2), "scada", "trip" if blip else "lockout",
                     recloser, fault.start, fault.index)  # fmt: skip
                end = fault.end if blip else t_close_r
                emit(end + rng.uniform(0.5, 2), "scada", "reclose" if blip else "close", recloser,
                     end, fault.index, RESTORATION_PHASE)  # fmt: skip
    for step in steps:
        emit(step.at, "operate", step.action, step, step.at)
    # AMI: each meter's energization over time, from every cause that covers its DP.
    spans: dict[str, list[tuple[float, float]]] = {}
    for t0, t1, dps, _ in causes:
        for dp in dps:
            spans.setdefault(dp, []).append((t0, t1))
    index_of = {}
    for fault in truth:
        for dp in {meter_info[x].dp for x in fault.meters}:
            index_of.setdefault(dp, fault.index)
    expected, unobservable = {}, set()
    # Back by AMI alone (a fuse replaced): a meter without a channel cannot tell it.
    ami_only = {f.end for f in truth if f.scope == "fuse"}
    sent_onu: set[tuple[str, int, str]] = set()
    for dp, intervals in spans.items():
        merged = _merge(intervals)
        for t_off, t_on in merged:
            for m in grid.meters.get(dp, []):
                if _reporter(m) is None and merged[-1][1] in ami_only:
                    unobservable.add(m.number)
                else:
                    expected[m.number] = "on"
                for kind, t in (("lg", t_off), ("pu", t_on)):
                    reporter = _reporter(m)
                    if reporter is None or rng.random() > (0.85 if kind == "lg" else 0.95):
                        continue
                    if reporter[0] == "onu":
                        if (m.onu_id, round(t), kind) in sent_onu:
                            continue
                        sent_onu.add((m.onu_id, round(t), kind))
                    t_event = t + (rng.uniform(0.05, 1.5) if kind == "lg" else rng.uniform(1, 15))
                    latency = rng.uniform(0.5, 4) if reporter[0] == "onu" else rng.uniform(3, 15)
                    phase = OUTAGE_PHASE if kind == "lg" else RESTORATION_PHASE
                    e = emit(t_event + latency, reporter[0], kind, reporter[1], t_event,
                             index_of.get(dp, -1), phase)  # fmt: skip
                    if rng.random() < 0.1:  # the head-end re-delivers the same message
                        emit(e.arrival + rng.uniform(2, 30), e.provider, kind, e.ref, t_event,
                             e.fault, phase, event_id=e.event_id, redelivery=True)  # fmt: skip
                if t_on - t_off > 60 and m.customer and rng.random() < 0.08:
                    t_call = t_off + rng.uniform(20, min(0.3 * length, t_on - t_off - 5))
                    emit(t_call + 0.5, "call_center", "ticket", m, t_call, index_of.get(dp, -1))
    emissions.sort(key=lambda e: (e.arrival, e.seq))
    if start is None:
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=length + 60)
    storm = Storm(start, truth, emissions, expected, unobservable, grid, onus, meter_info, 0.3)
    return DemoStorm(storm, steps, story, list(feeders))


def _reporter(m) -> tuple[str, object] | None:
    """How a meter reports: its ONU (shared with its neighbours), its KAIFA head-end, or not."""
    if m.onu_id:
        return ("onu", m.onu_id)
    return ("kaifa", m) if m.channel == "kaifa" else None


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping off-intervals as one (a meter off for two causes goes off and on once)."""
    merged: list[list[float]] = []
    for t0, t1 in sorted(intervals):
        if merged and t0 <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], t1)
        else:
            merged.append([t0, t1])
    return [(a, b) for a, b in merged]
