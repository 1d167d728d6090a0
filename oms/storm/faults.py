"""A storm: the faults injected (the ground truth), the messages the feeds deliver, and the
meters' expected final states."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oms.storm.network import GridMeter, GridView

SUSTAINED, MOMENTARY, NESTED = "sustained", "momentary", "nested"
PLANNED = "planned"  # an operators' interruption: the brief one of returning to normal
OUTAGE_PHASE, RESTORATION_PHASE = 0, 1
REPEAT_WEIGHTS = {1: 35, 2: 25, 3: 15, 4: 10, 5: 8, 6: 7}  # copies of one last gasp (V9: ≤ 6)


@dataclass
class Fault:
    """One injected interruption: what the engine should settle on."""

    index: int
    kind: str  # sustained | momentary | nested | planned
    scope: str  # the device's kind: substation | feeder | recloser | … | fuse | dp | meter
    device: str  # its code
    feeder: str
    substation: str
    start: float  # seconds after the storm's start
    end: float | None  # None: still out at the end of the storm
    meters: list[str]
    customers: int
    parent: int | None = None  # for a nested fault, the fault whose restoration left it out
    # Network storms (oms.storm.scenario): when each of `meters` got supply back (None: still out
    # at the end), e.g. back-fed meters at the tie's close; whether the device is telemetered.
    restored: dict[str, float | None] = field(default_factory=dict)
    telemetered: bool = False
    already_out: set[str] = field(default_factory=set)  # of `meters`, out before it started

    def key(self) -> tuple[str, str]:
        return (self.scope, self.device)


@dataclass(slots=True)
class Emission:
    """One message a feed delivers: when it arrives, what it says, and which fault it is about."""

    arrival: float  # seconds after the storm's start
    seq: int
    provider: str  # scada | onu | kaifa | call_center | operate
    # lov | energized | lg | pu | ticket; SCADA device status TRIP | RECLOSE | LOCKOUT | CLOSE;
    # operate: open | close
    kind: str
    ref: object  # feeder code, NetDevice, ("substation", code), ONU id, GridMeter
    event_time: float
    event_id: str
    fault: int  # index into Storm.faults, -1 for none
    phase: int  # OUTAGE_PHASE | RESTORATION_PHASE
    redelivery: bool = False  # the same message delivered again (same natural key)
    variant: int = 0  # rendering choices (envelope, code form, …), fixed per message


@dataclass
class Storm:
    start: datetime
    faults: list[Fault]
    emissions: list[Emission]  # in arrival order
    expected_state: dict[str, str]  # meter -> 'on' | 'off' after the storm (observable meters)
    unobservable: set[str]  # affected meters whose final state no evidence can tell
    grid: GridView
    onus: dict[str, list[str]] = field(default_factory=dict)  # ONU id -> its meters
    meter_info: dict[str, GridMeter] = field(default_factory=dict)
    envelope_share: float = 0.3
    # Network storms: operations in time order (t, device kind, code, action, source, fault),
    # source 'protection' (trip, reclose, lockout) or 'operator'; noise figures; notes on cases
    # the network cannot have (e.g. no sectionalizer) or operations that could not be made.
    switching: list[tuple[float, str, str, str, str, int]] = field(default_factory=list)
    noise: dict[str, int] = field(default_factory=dict)
    spurious: set[str] = field(default_factory=set)  # meters that gasped while fed
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        by = Counter(f"{e.provider}:{e.kind}" for e in self.emissions)
        by["total"] = len(self.emissions)
        by["redeliveries"] = sum(1 for e in self.emissions if e.redelivery)
        return dict(by)

    def timestamp(self, offset: float) -> str:
        moment = self.start + timedelta(seconds=offset)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def render(self, e: Emission) -> dict:
        """The payload the provider really sends for this message (see tests/fixtures)."""
        from oms.storm.feeds import RENDERERS

        return RENDERERS[e.provider](self, e)

    def timeline(self) -> Iterator[tuple[float, str, dict]]:
        """(arrival seconds after start, provider, payload) in arrival order: for live feeds."""
        for e in self.emissions:
            yield e.arrival, e.provider, self.render(e)
