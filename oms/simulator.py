"""Storm simulator: synthetic grids, storms with ground truth, a batch poster and a quality report.

Used by `bench/storm.py` (the storm benchmark), by `oms demo` (demo grid and live events) and by
the test suite's small storm. Nothing here writes to the database except through the real
import and ingest paths; the quality report only reads.

- `generate_grid` writes the five grid CSVs (the columns of tests/fixtures/grid/) fast enough for
  a million meters.
- `GridView` reads back the part of a grid a storm needs, from the CSVs or from the database.
- `build_storm` injects faults at known devices and times and emits what the feeds would really
  send (SCADA trips and restorations, ONU and KAIFA last gasps and power-ups with repeats, late
  and out-of-order deliveries, call-center tickets), recording the ground truth.
- `batches`/`post_storm` cut the arrival-ordered stream into per-provider ingest batches and send
  them (HTTP or any transport), timing them.
- `evaluate` compares what the engine settled on with the ground truth; `format_report` prints it.
"""

from __future__ import annotations

import csv
import json
import math
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

AMMAN = (31.9539, 35.9106)
AREAS = [
    "Sweileh",
    "Jubaiha",
    "Abdoun",
    "Shmeisani",
    "Khalda",
    "Tla' Al-Ali",
    "Marka",
    "Sahab",
    "Wadi Al-Seer",
    "Abu Nseir",
    "Tabarbour",
    "Jabal Amman",
    "Al-Weibdeh",
    "Dabouq",
    "Al-Hashmi",
    "Naour",
    "Muwaqqar",
    "Quwaysimah",
    "Um Uthaina",
    "Rabieh",
    "Deir Ghbar",
    "Marj Al-Hamam",
    "Al-Yadudah",
    "Ain Al-Basha",
]
GRID_FILES = (
    "substations.csv",
    "feeders.csv",
    "distribution_points.csv",
    "customers.csv",
    "meters.csv",
)
FIRST_METER = 40_000_001
FIRST_ONU = 5_000_001

# --------------------------------------------------------------------------------------------
# Grid generation
# --------------------------------------------------------------------------------------------


@dataclass
class GridSummary:
    directory: Path
    substations: int
    feeders: int
    dps: int
    meters: int
    customers: int
    onus: int
    meter_types: dict[str, int]
    seconds: float


def generate_grid(
    directory: str | Path,
    substations: int = 2,
    feeders_per_substation: int = 2,
    dps_per_feeder: int = 4,
    meters_per_dp: int = 25,
    seed: int = 1,
    *,
    kaifa_share: float = 0.45,
    onu_share: float = 0.50,
    shared_customer_share: float = 0.01,
    devices: bool = False,
) -> GridSummary:
    """Write substations/feeders/distribution_points/customers/meters CSVs for a regular grid.

    Meter mix: `kaifa_share` KAIFA meters (asset and usage-point mRIDs), `onu_share` smart meters
    behind a fibre ONU (two to four meters of one building per ONU), the rest meters without a
    communication channel (conventional or prepaid, the AMI's "final 5%"). One customer per
    meter, except `shared_customer_share` of meters that belong to the previous meter's customer.
    Coordinates: substations around Amman, each level clustered near its parent. With
    `devices`, also `devices.csv` (switches, reclosers, sectionalizers, fuses, ties between
    consecutive feeders; `oms.simulator_devices`) and every DP below its lateral's fuse.
    """
    from oms.simulator_devices import DEVICES_HEADER, FeederLayout

    started = time.perf_counter()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    width_ss = max(3, len(str(substations)))
    n_feeders = substations * feeders_per_substation
    width_fd = max(3, len(str(n_feeders)))
    width_dp = max(3, len(str(n_feeders * dps_per_feeder)))
    types: Counter = Counter()
    meter_n = FIRST_METER
    customer_n = 0
    onu_n = FIRST_ONU - 1
    dp_n = 0
    fd_n = 0

    with (
        (directory / "substations.csv").open("w", newline="") as ss_out,
        (directory / "feeders.csv").open("w", newline="") as fd_out,
        (directory / "distribution_points.csv").open("w", newline="") as dp_out,
        (directory / "customers.csv").open("w", newline="") as cu_out,
        (directory / "meters.csv").open("w", newline="") as me_out,
    ):
        ss_out.write("substation_id,name,location_lat,location_lng,region_code,voltage_level\n")
        fd_out.write("feeder_id,substation_id,name,location_lat,location_lng,capacity_kva\n")
        dev_out = (directory / "devices.csv").open("w", newline="") if devices else None
        if dev_out:
            dev_out.write(DEVICES_HEADER)
        dp_out.write(
            "dp_id,feeder_id,name,location_lat,location_lng,building_id"
            + (",parent_kind,parent_code\n" if devices else "\n")
        )
        cu_out.write("customer_id,phone,address,building_id,dp_id,location_lat,location_lng\n")
        me_out.write(
            "meter_number,meter_type,customer_id,dp_id,location_lat,location_lng,building_id,"
            "asset_mrid,usage_point_mrid,onu_id,onu_serial_no\n"
        )
        for s in range(1, substations + 1):
            ss = f"SS{s:0{width_ss}d}"
            area = AREAS[(s - 1) % len(AREAS)]
            ss_name = area if s <= len(AREAS) else f"{area} {(s - 1) // len(AREAS) + 1}"
            s_lat = AMMAN[0] + rng.uniform(-0.12, 0.12)
            s_lng = AMMAN[1] + rng.uniform(-0.15, 0.15)
            ss_out.write(f"{ss},{ss_name},{s_lat:.6f},{s_lng:.6f},AM,33kV\n")
            for f in range(1, feeders_per_substation + 1):
                fd_n += 1
                fd = f"FD{fd_n:0{width_fd}d}"
                f_lat = s_lat + rng.uniform(-0.02, 0.02)
                f_lng = s_lng + rng.uniform(-0.02, 0.02)
                fd_out.write(f"{fd},{ss},{ss_name} F{f} 11kV,{f_lat:.6f},{f_lng:.6f},8000\n")
                layout = FeederLayout(fd, dps_per_feeder)
                if dev_out:
                    following = f"FD{fd_n + 1:0{width_fd}d}" if fd_n < n_feeders else None
                    dev_out.writelines(
                        layout.device_lines(f"{ss_name} F{f}", f_lat, f_lng, following)
                    )
                dp_lines = []
                cu_lines = []
                me_lines = []
                for d in range(1, dps_per_feeder + 1):
                    dp_n += 1
                    dp = f"DP{dp_n:0{width_dp}d}"
                    bldg = f"BLDG_{dp_n:0{width_dp}d}"
                    d_lat = f_lat + rng.uniform(-0.006, 0.006)
                    d_lng = f_lng + rng.uniform(-0.006, 0.006)
                    parent = f",fuse,{layout.fuse_of(d - 1)}" if dev_out else ""
                    dp_lines.append(
                        f"{dp},{fd},{ss_name} TX-{f}-{d},{d_lat:.6f},{d_lng:.6f},{bldg}{parent}\n"
                    )
                    onu_left = 0
                    onu = serial = ""
                    customer = ""
                    for _ in range(meters_per_dp):
                        lat = d_lat + rng.uniform(-0.0015, 0.0015)
                        lng = d_lng + rng.uniform(-0.0015, 0.0015)
                        if not customer or rng.random() >= shared_customer_share:
                            customer_n += 1
                            customer = f"CUST_{customer_n:08d}"
                            cu_lines.append(
                                f"{customer},+962-7-{5_000_000 + customer_n:07d},"
                                f'"Street {customer_n % 400 + 1}, {ss_name}, Amman",'
                                f"{bldg},{dp},{lat:.6f},{lng:.6f}\n"
                            )
                        r = rng.random()
                        number = f"M{meter_n:08d}"
                        if r < kaifa_share:
                            kind = "kaifa"
                            tail = f"KFM-{meter_n:08d},UP-{meter_n:08d},,"
                        elif r < kaifa_share + onu_share:
                            kind = "smart"
                            if onu_left == 0:
                                onu_n += 1
                                onu_left = rng.randint(2, 4)
                                onu = str(onu_n)
                                serial = f"48575443{onu_n:08X}"
                            onu_left -= 1
                            tail = f",,{onu},{serial}"
                        else:
                            no_channel = 1 - kaifa_share - onu_share
                            kind = "conventional" if r < 1 - no_channel * 0.3 else "prepaid"
                            tail = ",,,"
                        types[kind] += 1
                        me_lines.append(
                            f"{number},{kind},{customer},{dp},{lat:.6f},{lng:.6f},{bldg},{tail}\n"
                        )
                        meter_n += 1
                dp_out.writelines(dp_lines)
                cu_out.writelines(cu_lines)
                me_out.writelines(me_lines)
        if dev_out:
            dev_out.close()
    return GridSummary(
        directory=directory,
        substations=substations,
        feeders=fd_n,
        dps=dp_n,
        meters=meter_n - FIRST_METER,
        customers=customer_n,
        onus=onu_n - FIRST_ONU + 1,
        meter_types=dict(types),
        seconds=time.perf_counter() - started,
    )


# --------------------------------------------------------------------------------------------
# Reading a grid back
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class GridMeter:
    number: str
    meter_type: str
    customer: str
    dp: str
    lat: float | None
    lng: float | None
    asset_mrid: str = ""
    usage_point_mrid: str = ""
    onu_id: str = ""
    onu_serial: str = ""
    phone: str = ""
    address: str = ""

    @property
    def channel(self) -> str | None:
        """How the meter reports power loss: through its ONU, its KAIFA head-end, or not at all."""
        if self.onu_id:
            return "onu"
        if self.asset_mrid or self.usage_point_mrid:
            return "kaifa"
        return None


class GridView:
    """The topology of a grid (small) and, on demand, the meters of chosen DPs (large)."""

    def __init__(self, substations, feeders, dps, meter_loader):
        self.substations: dict[str, tuple[float | None, float | None]] = substations
        self.feeders: dict[str, tuple[str, float | None, float | None]] = feeders
        self.dps: dict[str, str] = dps  # dp code -> feeder code
        self.feeder_dps: dict[str, list[str]] = defaultdict(list)
        for dp, feeder in sorted(dps.items()):
            self.feeder_dps[feeder].append(dp)
        self._meter_loader = meter_loader
        self.meters: dict[str, list[GridMeter]] = {}  # dp code -> its meters (loaded DPs only)

    def load_meters(self, dp_codes: Iterable[str]) -> None:
        wanted = {dp for dp in dp_codes if dp not in self.meters}
        if wanted:
            for dp in wanted:
                self.meters[dp] = []
            for meter in self._meter_loader(wanted):
                self.meters[meter.dp].append(meter)

    @classmethod
    def from_csv(cls, directory: str | Path) -> GridView:
        directory = Path(directory)

        def rows(name):
            with (directory / name).open(newline="", encoding="utf-8-sig") as handle:
                yield from csv.DictReader(handle)

        def num(value):
            return float(value) if value else None

        substations = {
            r["substation_id"]: (num(r.get("location_lat")), num(r.get("location_lng")))
            for r in rows("substations.csv")
        }
        feeders = {
            r["feeder_id"]: (
                r["substation_id"],
                num(r.get("location_lat")),
                num(r.get("location_lng")),
            )
            for r in rows("feeders.csv")
        }
        dps = {r["dp_id"]: r["feeder_id"] for r in rows("distribution_points.csv")}

        def load(wanted: set[str]) -> list[GridMeter]:
            meters = []
            for r in rows("meters.csv"):
                if r["dp_id"] in wanted:
                    meters.append(
                        GridMeter(
                            r["meter_number"],
                            r["meter_type"] or "smart",
                            r["customer_id"],
                            r["dp_id"],
                            num(r["location_lat"]),
                            num(r["location_lng"]),
                            r["asset_mrid"],
                            r["usage_point_mrid"],
                            r["onu_id"],
                            r["onu_serial_no"],
                        )
                    )
            customers = {m.customer for m in meters}
            contacts = {}
            for r in rows("customers.csv"):
                if r["customer_id"] in customers:
                    contacts[r["customer_id"]] = (r["phone"], r["address"])
            for m in meters:
                m.phone, m.address = contacts.get(m.customer, ("", ""))
            return meters

        return cls(substations, feeders, dps, load)

    @classmethod
    def from_db(cls, using: str = "default") -> GridView:
        """The grid as the registry holds it (active devices and meters)."""
        from django.db import connections

        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT substation_id, location_lat, location_lng FROM network_substations"
            )
            substations = {c: (_f(lat), _f(lng)) for c, lat, lng in cursor.fetchall()}
            cursor.execute(
                "SELECT f.feeder_id, s.substation_id, f.location_lat, f.location_lng "
                "FROM network_feeders f JOIN network_substations s ON s.id = f.substation_id"
            )
            feeders = {c: (s, _f(lat), _f(lng)) for c, s, lat, lng in cursor.fetchall()}
            cursor.execute(
                "SELECT d.dp_id, f.feeder_id FROM network_distribution_points d "
                "JOIN network_feeders f ON f.id = d.feeder_id"
            )
            dps = dict(cursor.fetchall())

        def load(wanted: set[str]) -> list[GridMeter]:
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    SELECT m.meter_number, m.meter_type, coalesce(c.customer_id, ''), d.dp_id,
                           m.location_lat, m.location_lng, coalesce(m.asset_mrid, ''),
                           coalesce(m.usage_point_mrid, ''), coalesce(m.onu_id, ''),
                           coalesce(m.onu_serial_no, ''), coalesce(c.phone, ''),
                           coalesce(c.address, '')
                    FROM oms_meters m
                    JOIN network_distribution_points d ON d.id = m.dp_id
                    LEFT JOIN oms_customers c ON c.id = m.customer_id
                    WHERE d.dp_id = ANY(%s) AND m.status = 'active'
                    ORDER BY m.meter_number
                    """,
                    [sorted(wanted)],
                )
                return [
                    GridMeter(n, t, c, d, _f(lat), _f(lng), a, u, o, s, p, addr)
                    for n, t, c, d, lat, lng, a, u, o, s, p, addr in cursor.fetchall()
                ]

        return cls(substations, feeders, dps, load)


def _f(value) -> float | None:
    return None if value is None else float(value)


# --------------------------------------------------------------------------------------------
# Storms: faults, what the feeds send, and the ground truth
# --------------------------------------------------------------------------------------------

SUSTAINED, MOMENTARY, NESTED = "sustained", "momentary", "nested"
OUTAGE_PHASE, RESTORATION_PHASE = 0, 1
REPEAT_WEIGHTS = {1: 35, 2: 25, 3: 15, 4: 10, 5: 8, 6: 7}  # copies of one last gasp (V9: ≤ 6)
CALL_NOTES = [
    "No power in whole building",
    "Lights flickered then went out",
    "Neighbours also without electricity",
    "Power cut, elderly person at home",
    "Heard a bang from the transformer",
    "No electricity since the storm started",
]
SCADA_REASONS = ["Protection Trip", "Cable Damage", "Tree Contact", "Transformer Fault"]


@dataclass
class Fault:
    """One injected interruption: what the engine should settle on."""

    index: int
    kind: str  # sustained | momentary | nested
    scope: str  # feeder | dp | meter
    device: str
    feeder: str
    substation: str
    start: float  # seconds after the storm's start
    end: float | None  # None: still out at the end of the storm
    meters: list[str]
    customers: int
    parent: int | None = None  # for a nested fault, the fault whose restoration left it out

    def key(self) -> tuple[str, str]:
        return (self.scope, self.device)


@dataclass(slots=True)
class Emission:
    """One message a feed delivers: when it arrives, what it says, and which fault it is about."""

    arrival: float  # seconds after the storm's start
    seq: int
    provider: str  # scada | onu | kaifa | call_center
    kind: str  # lov | energized | lg | pu | ticket
    ref: object  # feeder code, ONU id, GridMeter
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
        return RENDERERS[e.provider](self, e)

    def timeline(self) -> Iterator[tuple[float, str, dict]]:
        """(arrival seconds after start, provider, payload) in arrival order: for live feeds."""
        for e in self.emissions:
            yield e.arrival, e.provider, self.render(e)


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


def _ms(storm: Storm, offset: float) -> int:
    return int((storm.start.timestamp() + offset) * 1000)


def _naive(storm: Storm, offset: float) -> str:
    return (
        (storm.start + timedelta(seconds=offset))
        .replace(tzinfo=None)
        .isoformat(timespec="microseconds")
    )


def _enveloped(storm: Storm, e: Emission) -> bool:
    return e.variant < storm.envelope_share * 1000


def _render_scada(storm: Storm, e: Emission) -> dict:
    feeder = e.ref
    substation, lat, lng = storm.grid.feeders[feeder]
    lov = e.kind == "lov"
    event = {
        "eventType": "MV_AlarmLossOfVoltage" if lov else "MV_AlarmRestoration",
        "substationId": substation,
        "feederId": feeder,
        "mainStationId": "82001",
        "alarmType": "De-energized" if lov else "Energized",
        "timestamp": storm.timestamp(e.event_time),
        "voltage": 0 if lov else 11000,
        "severity": ("Critical", "High", "Medium")[e.variant % 3],
        "reason": SCADA_REASONS[e.variant % len(SCADA_REASONS)],
        "coordinates": {"lat": round(lat or AMMAN[0], 4), "lng": round(lng or AMMAN[1], 4)},
    }
    if not _enveloped(storm, e):
        return event
    return {
        "timestamp": _naive(storm, e.arrival),
        "source": "SCADA-Simulator",
        "topic": "scada-outage-topic",
        "processed_at": _naive(storm, e.arrival + 0.001),
        "event": event,
    }


def _render_onu(storm: Storm, e: Emission) -> dict:
    onu = e.ref
    meters = storm.onus[onu]
    first = storm.meter_info[meters[0]]
    lg = e.kind == "lg"
    return {
        "eventId": f"onu_{_ms(storm, e.event_time)}_{e.event_id}",
        "type": "ONU_LastGaspAlert" if lg else "ONU_PowerRestored",
        "onuId": int(onu) if onu.isdigit() else onu,
        "onuSerial": first.onu_serial,
        "timestamp": storm.timestamp(e.event_time),
        "nmsType": "FiberTech",
        "location": {"lat": first.lat, "lng": first.lng},
        # Some NMS records lack the meter list; the registry's ONU id still finds them.
        "associatedMeters": [] if e.variant % 10 == 0 else list(meters),
        "alarmData": {
            "category": "power",
            "alarmType": "last_gasp" if lg else "power",
            "parcel": f"P-{int(onu) % 10000:04d}" if onu.isdigit() else "P-0000",
            "serial": first.onu_serial,
        },
    }


def _render_kaifa(storm: Storm, e: Emission) -> dict:
    m: GridMeter = e.ref
    lg = e.kind == "lg"
    ms = _ms(storm, e.event_time)
    created = storm.timestamp(e.event_time)
    # The head-end names the event by its ref or by its IEC 61968-9 code.
    ref = (
        ("PowerOutage" if lg else "PowerRestored")
        if e.variant % 10 >= 3
        else ("3.26.0.85" if lg else "3.26.0.216")
    )
    reason = "Power Outage" if lg else "Power Restored"
    volts = "0.00V" if lg else f"{229 + e.variant % 20 / 10:.2f}V"
    return {
        "message_type": "EndDeviceEvent",
        "timestamp": _naive(storm, e.arrival),
        "header": {
            "verb": "Create",
            "noun": "EndDeviceEvents",
            "revision": "1.0",
            "timestamp": storm.timestamp(e.arrival),
            "source": "HES-KAIFA",
            "async_reply_flag": "false",
            "ack_required": "false",
            "user": {"ns1:UserID": "hes_user", "ns1:Organization": "Amman-OMS"},
            "message_id": f"msg_{ms}_{e.event_id}",
            "correlation_id": f"corr_{ms}_{e.event_id}",
            "comment": "outage notification" if lg else "restoration notification",
        },
        "payload": {
            "event_id": f"evt_{ms}_{e.event_id}",
            "created_date_time": created,
            "issuer_id": "HES-KAIFA",
            "issuer_tracking_id": f"msg_{ms}_{e.event_id}",
            "reason": reason,
            "severity": "Critical" if lg else "Low",
            "user_id": "hes_user",
            "assets": {
                "ns2:mRID": m.asset_mrid or m.number,
                "ns2:Names": {
                    "ns2:name": f"Meter {m.number}",
                    "ns2:NameType": {
                        "ns2:name": "Asset Name",
                        "ns2:description": "Power system asset identifier",
                    },
                },
            },
            "event_details": [
                {"ns2:name": "Voltage", "ns2:value": volts},
                {"ns2:name": "Current", "ns2:value": "0.00A"},
            ],
            "event_type": {"@ref": ref},
            "status": {
                "ns2:dateTime": created,
                "ns2:reason": reason,
                "ns2:remark": "from head-end",
                "ns2:value": "Active" if lg else "Cleared",
            },
            "usage_point": {"ns2:mRID": m.usage_point_mrid, "ns2:Names": {"ns2:name": "Amman"}},
        },
        "metadata": {
            "source": "hes-kaifa-outage-topic",
            "processed_at": _naive(storm, e.arrival + 0.001),
        },
    }


def _render_call(storm: Storm, e: Emission) -> dict:
    m: GridMeter = e.ref
    customer = {"phone": m.phone, "address": m.address}
    if e.variant % 100 >= 15 or not m.phone:  # most callers read their meter number out
        customer["meterNumber"] = m.number
    ms = _ms(storm, e.event_time)
    ticket = {
        "ticketId": f"TC_{ms}_{e.event_id}",
        "timestamp": storm.timestamp(e.event_time),
        "customer": customer,
        "notes": CALL_NOTES[e.variant % len(CALL_NOTES)],
    }
    if not _enveloped(storm, e):
        return ticket
    return {
        "timestamp": _naive(storm, e.arrival),
        "source": "call-center-intake",
        "topic": "call_center_upstream_topic",
        "event": ticket,
        "intake": {"intakeId": f"tc_{ms}_{e.event_id}", "omsEventId": f"evt_TC_{e.event_id}"},
    }


RENDERERS: dict[str, Callable[[Storm, Emission], dict]] = {
    "scada": _render_scada,
    "onu": _render_onu,
    "kaifa": _render_kaifa,
    "call_center": _render_call,
}


# --------------------------------------------------------------------------------------------
# Batching and posting
# --------------------------------------------------------------------------------------------

MAX_BATCH = 5000  # CONTRACT §4
MAX_BODY_BYTES = 4_000_000  # under the default 5 MiB ingest body limit


@dataclass
class Batch:
    provider: str
    body: bytes
    count: int
    faults: set[int]  # faults whose outage-phase messages it carries
    first_arrival: float


def batches(
    storm: Storm,
    batch_size: int = 2000,
    window: float = 60.0,
    max_bytes: int = MAX_BODY_BYTES,
) -> Iterator[Batch]:
    """Cut the arrival-ordered stream into per-provider batches.

    A provider's batch closes at `batch_size` events or `max_bytes`, and every open batch closes
    once the stream has moved `window` seconds (storm time) past the oldest message waiting, so
    providers stay in step: a SCADA trip is not held back behind an hour of last gasps.
    """
    batch_size = min(batch_size, MAX_BATCH)
    open_: dict[str, list] = {}  # provider -> [parts, size, faults, first_arrival]

    def close(provider: str) -> Batch:
        parts, _, faults, first = open_.pop(provider)
        body = b'{"events":[' + b",".join(parts) + b"]}"
        return Batch(provider, body, len(parts), faults, first)

    oldest = math.inf
    for e in storm.emissions:
        if e.arrival - oldest > window:
            for provider in sorted(open_, key=lambda p: open_[p][3]):
                yield close(provider)
            oldest = math.inf
        part = json.dumps(storm.render(e), separators=(",", ":")).encode()
        entry = open_.get(e.provider)
        if entry and (len(entry[0]) >= batch_size or entry[1] + len(part) > max_bytes):
            yield close(e.provider)
            entry = None
            oldest = min((v[3] for v in open_.values()), default=math.inf)
        if entry is None:
            entry = open_[e.provider] = [[], 20, set(), e.arrival]
            oldest = min(oldest, e.arrival)
        entry[0].append(part)
        entry[1] += len(part) + 1
        if e.phase == OUTAGE_PHASE and e.fault >= 0:
            entry[2].add(e.fault)
    for provider in sorted(open_, key=lambda p: open_[p][3]):
        yield close(provider)


Sender = Callable[[str, bytes], tuple[int, dict, dict]]  # (provider, body) -> status, json, headers


def reset_event_state() -> None:
    """Back to a quiet grid: no events, no outages, every meter's power unknown (benchmarks
    run one storm after another on one loaded grid)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE kaifa_events, onu_events, callcenter_tickets, scada_events,"
            " oms_meter_status_events, oms_outage_events, oms_outage_meters, oms_event_sources,"
            " oms_event_timeline CASCADE"
        )
        cursor.execute(
            "UPDATE oms_meters SET power_status = 'unknown', last_power_change = NULL"
            " WHERE power_status <> 'unknown' OR last_power_change IS NOT NULL"
        )
        cursor.execute("VACUUM ANALYZE oms_meters")


def http_sender(base_url: str, token: str, timeout: float = 300.0) -> Sender:
    """POST batches to `{base_url}/api/ingest/<provider>/batch/`, one keep-alive connection per
    thread."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    local = threading.local()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def send(provider: str, body: bytes) -> tuple[int, dict, dict]:
        conn = getattr(local, "conn", None)
        if conn is None:
            cls = (
                http.client.HTTPSConnection
                if parts.scheme == "https"
                else http.client.HTTPConnection
            )
            conn = local.conn = cls(parts.hostname, parts.port, timeout=timeout)
        try:
            conn.request(
                "POST", f"{parts.path.rstrip('/')}/api/ingest/{provider}/batch/", body, headers
            )
            response = conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            local.conn = None
            raise
        try:
            payload = json.loads(raw) if raw else {}
        except ValueError:
            payload = {"raw": raw[:500].decode(errors="replace")}
        return response.status, payload, dict(response.getheaders())

    return send


@dataclass
class PostResult:
    events: int = 0  # sent
    delivered: int = 0  # in batches answered 2xx
    batches: int = 0
    seconds: float = 0.0
    accepted: int = 0
    duplicates: int = 0
    rejected: list = field(default_factory=list)  # (provider, index, errors)
    failures: list = field(default_factory=list)  # (provider, status, body) after retries
    retries: int = 0
    latencies: list = field(default_factory=list)  # seconds per batch request
    fault_acked: dict = field(default_factory=dict)  # fault -> wall time its last message acked
    started_at: float = 0.0

    aborted: bool = False  # stopped after `abort_after` failed batches in a row

    @property
    def rate(self) -> float:
        """Delivered (2xx) events per second of posting."""
        return self.delivered / self.seconds if self.seconds else 0.0


def post_storm(
    storm: Storm,
    send: Sender,
    *,
    batch_size: int = 2000,
    concurrency: int = 4,
    window: float = 60.0,
    max_attempts: int = 8,
    progress: Callable[[str], None] = lambda message: None,
    progress_every: float = 10.0,
    abort_after: int = 20,
) -> PostResult:
    """Send the storm through `send` in arrival order, `concurrency` batches in flight (one:
    in the calling thread, as a test needs).

    429/503 answers and connection errors are retried (same batch, so the same natural keys)
    after `Retry-After` or a short backoff; other non-2xx answers are recorded as failures, and
    after `abort_after` failed batches in a row the rest of the storm is not sent.
    """
    import queue

    # Rendered before the clock starts: the rate measured is the server's, not the renderer's.
    planned = list(batches(storm, batch_size=batch_size, window=window))
    result = PostResult(started_at=time.perf_counter())
    lock = threading.Lock()
    failed_in_row = [0]
    work: queue.Queue = queue.Queue(maxsize=concurrency * 2)
    stop = object()

    def worker():
        while True:
            batch = work.get()
            if batch is stop:
                return
            for attempt in range(1, max_attempts + 1):
                began = time.perf_counter()
                try:
                    status, payload, headers = send(batch.provider, batch.body)
                except Exception as exc:  # connection reset, timeout: retry the same batch
                    status, payload, headers = 0, {"error": repr(exc)}, {}
                took = time.perf_counter() - began
                if status in (0, 429, 502, 503, 504) and attempt < max_attempts:
                    with lock:
                        result.retries += 1
                    wait = headers.get("Retry-After") or headers.get("retry-after")
                    time.sleep(
                        float(wait) if wait and str(wait).isdigit() else min(2**attempt, 30) * 0.25
                    )
                    continue
                break
            acked = time.perf_counter()
            with lock:
                result.latencies.append(took)
                result.batches += 1
                result.events += batch.count
                if 200 <= status < 300:
                    failed_in_row[0] = 0
                    result.delivered += batch.count
                    result.accepted += int(payload.get("accepted", 0))
                    result.duplicates += int(payload.get("duplicates", 0))
                    for r in payload.get("rejected", []) or []:
                        result.rejected.append((batch.provider, r.get("index"), r.get("errors")))
                    for f in batch.faults:
                        result.fault_acked[f] = max(result.fault_acked.get(f, 0.0), acked)
                else:
                    result.failures.append((batch.provider, status, payload))
                    failed_in_row[0] += 1
                    if failed_in_row[0] >= abort_after:
                        result.aborted = True

    if concurrency <= 1:  # in the calling thread: its database connection, its transaction
        for batch in planned:
            if result.aborted:
                break
            work.put(batch)
            work.put(stop)
            worker()
        result.seconds = time.perf_counter() - result.started_at
        return result
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    last_report = result.started_at
    sent = 0
    for batch in planned:
        if result.aborted:
            break
        work.put(batch)
        sent += batch.count
        now = time.perf_counter()
        if now - last_report >= progress_every:
            last_report = now
            rate = result.events / (now - result.started_at)
            progress(f"posted {result.events:,}/{len(storm.emissions):,} events ({rate:,.0f}/s)")
    for _ in threads:
        work.put(stop)
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - result.started_at
    return result


# --------------------------------------------------------------------------------------------
# What the engine settled on, and how good it is
# --------------------------------------------------------------------------------------------

OUTAGES_SQL = """
SELECT o.event_id, o.scope, o.status, o.event_type,
       CASE o.scope
           WHEN 'substation' THEN (SELECT substation_id FROM network_substations
                                   WHERE id = o.device_id)
           WHEN 'feeder' THEN (SELECT feeder_id FROM network_feeders WHERE id = o.device_id)
           WHEN 'dp' THEN (SELECT dp_id FROM network_distribution_points WHERE id = o.device_id)
           WHEN 'meter' THEN (SELECT meter_number FROM oms_meters WHERE id = o.device_id)
       END AS device,
       o.affected_meters_count, o.restored_meters_count, o.affected_customers_count,
       o.first_detected_at, o.actual_restoration_time
FROM oms_outage_events o
"""
NOT_SETTLED = ("cancelled", "merged")
ACTIVE = ("detected", "confirmed", "in_progress")


@dataclass
class EngineOutage:
    event_id: str
    scope: str
    status: str
    event_type: str
    device: str
    affected_meters: int
    restored_meters: int
    affected_customers: int
    first_detected_at: datetime
    actual_restoration_time: datetime | None

    def key(self) -> tuple[str, str]:
        return (self.scope, self.device)


def fetch_outages(cursor) -> list[EngineOutage]:
    cursor.execute(OUTAGES_SQL)
    return [EngineOutage(*row) for row in cursor.fetchall()]


class OutageWatcher:
    """Polls the outage table from its own thread and notes when each (scope, device) first
    stands as a settled outage (wall clock), for the time-to-correct-outage figure."""

    def __init__(self, interval: float = 1.0, using: str = "default"):
        self.interval = interval
        self.using = using
        self.first_seen: dict[tuple[str, str], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.errors: list[str] = []

    def _run(self):
        from django.db import connections

        try:
            while not self._stop.is_set():
                try:
                    with connections[self.using].cursor() as cursor:
                        outages = fetch_outages(cursor)
                except Exception as exc:  # the server may be busy; the next poll will do
                    self.errors.append(repr(exc))
                    outages = []
                now = time.perf_counter()
                for o in outages:
                    if o.status not in NOT_SETTLED:
                        self.first_seen.setdefault(o.key(), now)
                self._stop.wait(self.interval)
        finally:
            connections[self.using].close()

    def start(self) -> OutageWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Quality:
    """The engine's result against the ground truth."""

    sustained: int = 0  # ground-truth sustained outages (incl. nested)
    found: dict[int, EngineOutage] = field(default_factory=dict)  # fault index -> its outage
    missed: list[Fault] = field(default_factory=list)
    false_outages: list[EngineOutage] = field(default_factory=list)
    duplicates: list[tuple[Fault, int]] = field(default_factory=list)  # >1 outage at a device
    wrong_status: list[tuple[Fault, str]] = field(default_factory=list)
    momentary: int = 0
    momentary_recorded: int = 0  # blips the engine recorded as momentary
    momentary_as_outage: list[Fault] = field(default_factory=list)
    blip_outages: int = 0  # momentary outages the engine recorded for the blips
    blip_meters_twice: list[str] = field(default_factory=list)  # in two outages of one blip
    # restored, yet open: a channel-less meter with direct evidence (a call) never reports back
    held_open: list[Fault] = field(default_factory=list)
    customers_true: int = 0
    customers_engine: int = 0
    customer_errors: list[tuple[Fault, int]] = field(default_factory=list)  # (fault, engine-true)
    meter_errors: list[tuple[Fault, int]] = field(default_factory=list)
    detect_wall: list[float] = field(default_factory=list)  # s, last message acked -> outage seen
    detect_event_time: list[float] = field(default_factory=list)  # s, first_detected_at - start
    restore_event_time: list[float] = field(default_factory=list)  # s, restoration time - end
    meters_checked: int = 0
    wrong_meters: list[tuple[str, str, str]] = field(default_factory=list)  # meter, expected, got
    stray_off: list[str] = field(default_factory=list)  # off, but no fault touched them
    unobservable: int = 0
    unobservable_off: int = 0

    @property
    def precision(self) -> float:
        tp = len(self.found)
        return tp / (tp + len(self.false_outages)) if tp + len(self.false_outages) else 1.0

    @property
    def recall(self) -> float:
        return len(self.found) / self.sustained if self.sustained else 1.0

    def problems(self) -> list[str]:
        """Each departure from the ground truth, in words (for test failures and reports)."""
        out = [
            f"missed {f.kind} {f.scope} {f.device} ({len(f.meters)} meters)" for f in self.missed
        ]
        out += [
            f"false outage {o.scope} {o.device} {o.status} {o.event_type} ({o.event_id}, "
            f"{o.affected_meters} meters)"
            for o in self.false_outages
        ]
        out += [f"{n} outages at {f.scope} {f.device}" for f, n in self.duplicates]
        out += [
            f"{f.kind} {f.scope} {f.device}: status {s}, expected "
            f"{'active' if f.end is None else 'restored'}"
            for f, s in self.wrong_status
        ]
        out += [
            f"{f.scope} {f.device}: affected_customers_count off by {d:+d} (true {f.customers})"
            for f, d in self.customer_errors
        ]
        out += [
            f"{f.scope} {f.device}: affected_meters_count off by {d:+d} (true {len(f.meters)})"
            for f, d in self.meter_errors
        ]
        out += [
            f"blip at {f.scope} {f.device} became a sustained outage"
            for f in self.momentary_as_outage
        ]
        if self.blip_meters_twice:
            out.append(
                f"{len(self.blip_meters_twice)} meters counted in two momentary outages of one "
                f"blip (e.g. {', '.join(self.blip_meters_twice[:3])})"
            )
        out += [
            f"{f.scope} {f.device} restored, but its outage stays open: a meter without a "
            "channel (its customer called) never reports power back"
            for f in self.held_open
        ]
        out += [f"meter {m}: expected {e}, got {g}" for m, e, g in self.wrong_meters[:50]]
        if len(self.wrong_meters) > 50:
            out.append(f"… and {len(self.wrong_meters) - 50} more wrong meters")
        out += [f"meter {m} is off but no fault touched it" for m in self.stray_off[:20]]
        return out


def evaluate(
    storm: Storm,
    cursor,
    *,
    post: PostResult | None = None,
    watcher: OutageWatcher | None = None,
) -> Quality:
    """Compare the outages and meter states in the database with the storm's ground truth."""
    q = Quality()
    outages = [o for o in fetch_outages(cursor) if o.status not in NOT_SETTLED]
    by_key: dict[tuple[str, str], list[EngineOutage]] = defaultdict(list)
    for o in outages:
        by_key[o.key()].append(o)
    matched: set[str] = set()

    for f in storm.faults:
        here = by_key.get(f.key(), [])
        start = storm.start + timedelta(seconds=f.start)
        if f.kind == MOMENTARY:
            q.momentary += 1
            if any(o.event_type == "momentary" for o in here):
                q.momentary_recorded += 1
            if any(o.event_type != "momentary" for o in here):
                q.momentary_as_outage.append(f)
            matched.update(o.event_id for o in here)
            continue
        q.sustained += 1
        q.customers_true += f.customers
        sustained = [o for o in here if o.event_type != "momentary"]
        if not sustained:
            q.missed.append(f)
            continue
        o = min(sustained, key=lambda o: abs((o.first_detected_at - start).total_seconds()))
        q.found[f.index] = o
        matched.update(x.event_id for x in sustained)
        if len(sustained) > 1:
            q.duplicates.append((f, len(sustained)))
        expected_active = f.end is None
        if (o.status in ACTIVE) != expected_active:
            if o.status in ACTIVE and storm.unobservable.intersection(f.meters):
                q.held_open.append(f)
            else:
                q.wrong_status.append((f, o.status))
        q.customers_engine += o.affected_customers
        if o.affected_customers != f.customers:
            q.customer_errors.append((f, o.affected_customers - f.customers))
        if o.affected_meters != len(f.meters):
            q.meter_errors.append((f, o.affected_meters - len(f.meters)))
        q.detect_event_time.append((o.first_detected_at - start).total_seconds())
        if f.end is not None and o.actual_restoration_time is not None:
            end = storm.start + timedelta(seconds=f.end)
            q.restore_event_time.append((o.actual_restoration_time - end).total_seconds())
        if watcher and post and f.index in post.fault_acked and f.key() in watcher.first_seen:
            q.detect_wall.append(max(0.0, watcher.first_seen[f.key()] - post.fault_acked[f.index]))

    # Momentary outages inside a blip belong to it (the engine may record a blip meter by meter,
    # or DP by DP when last gasps arrive after the breaker re-closed); none may count a meter twice.
    cursor.execute(
        """SELECT o.event_id, m.meter_number FROM oms_outage_meters om
           JOIN oms_outage_events o ON o.id = om.outage_event_id
           JOIN oms_meters m ON m.id = om.meter_id
           WHERE o.event_type = 'momentary' AND o.status <> ALL(%s)""",
        [list(NOT_SETTLED)],
    )
    linked: dict[str, set[str]] = defaultdict(set)
    for event_id, number in cursor.fetchall():
        linked[event_id].add(number)

    def meters_of(o: EngineOutage) -> set[str]:
        """The meters the engine linked to the outage (its device's meters if it linked none)."""
        if o.event_id in linked:
            return linked[o.event_id]
        if o.scope == "meter":
            return {o.device}
        dps = [o.device] if o.scope == "dp" else storm.grid.feeder_dps.get(o.device, [])
        return {m.number for dp in dps for m in storm.grid.meters.get(dp, [])}

    blips = [f for f in storm.faults if f.kind == MOMENTARY]
    for f in blips:
        inside = set(f.meters)
        seen: Counter = Counter()
        recorded = False
        for o in outages:
            if o.event_type != "momentary" or (o.event_id in matched and o.key() != f.key()):
                continue
            covered = meters_of(o)
            if o.key() == f.key() or (covered and covered <= inside):
                matched.add(o.event_id)
                q.blip_outages += 1
                recorded = True
                seen.update(covered)
        if recorded and not any(o.event_type == "momentary" for o in by_key.get(f.key(), [])):
            q.momentary_recorded += 1
        q.blip_meters_twice += sorted(n for n, k in seen.items() if k > 1)
    q.false_outages = [o for o in outages if o.event_id not in matched]

    # Meter states: every meter the storm touched, and any other meter left off.
    numbers = sorted(storm.expected_state)
    cursor.execute(
        "SELECT meter_number, power_status FROM oms_meters WHERE meter_number = ANY(%s)",
        [numbers],
    )
    got = dict(cursor.fetchall())
    q.meters_checked = len(numbers)
    for n in numbers:
        if got.get(n) != storm.expected_state[n]:
            q.wrong_meters.append((n, storm.expected_state[n], got.get(n, "missing")))
    cursor.execute("SELECT meter_number FROM oms_meters WHERE power_status = 'off'")
    off = {n for (n,) in cursor.fetchall()}
    q.unobservable = len(storm.unobservable)
    q.unobservable_off = len(off & storm.unobservable)
    q.stray_off = sorted(off - set(storm.expected_state) - storm.unobservable)
    return q


def _fmt_s(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f} s"


def _spread(values: list[float], qs=(0.5, 0.95, 1.0)) -> str:
    return " / ".join(_fmt_s(_pct(values, q)) for q in qs)


def format_report(storm: Storm, q: Quality, post: PostResult | None = None) -> str:
    """The quality table (and the ingest figures when `post` is given)."""
    kinds = Counter(f.kind for f in storm.faults)
    redelivered = sum(e.redelivery for e in storm.emissions)
    rows: list[tuple[str, str]] = [
        ("faults injected", ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))),
        ("messages sent", f"{len(storm.emissions):,} ({redelivered:,} re-deliveries)"),
    ]
    if post:
        rows += [
            ("ingest", f"{post.events:,} events sent, {post.delivered:,} delivered (2xx) in "
             f"{post.seconds:,.1f} s" + (" - ABORTED after failures" if post.aborted else "")),
            ("  sustained rate (delivered)", f"{post.rate:,.0f} events/s"),
            ("  batches; latency p50 / p99 / max", f"{post.batches:,}; "
             + _spread(post.latencies, (0.5, 0.99, 1.0))),
            ("  accepted / duplicates", f"{post.accepted:,} / {post.duplicates:,}"),
            ("  rejected events / failed batches / retries",
             f"{len(post.rejected):,} / {len(post.failures):,} / {post.retries:,}"),
        ]  # fmt: skip
    found = len(q.found)
    abs_err = [abs(d) for _, d in q.customer_errors]
    mean_err = sum(abs_err) / found if found else 0.0
    rows += [
        ("outage devices: precision",
         f"{q.precision:.3f} ({found} right, {len(q.false_outages)} false)"),
        ("outage devices: recall", f"{q.recall:.3f} ({found}/{q.sustained}, "
         f"{len(q.missed)} missed)"),
        ("  devices with more than one outage", str(len(q.duplicates))),
        ("  outages in the wrong status", str(len(q.wrong_status))),
        ("  restored DPs held open by channel-less meters", str(len(q.held_open))),
        ("momentary blips recorded as momentary", f"{q.momentary_recorded}/{q.momentary} "
         f"in {q.blip_outages} outages ({len(q.momentary_as_outage)} as sustained)"),
        ("  blip meters counted twice", f"{len(q.blip_meters_twice):,}"),
        ("customers affected: true / engine",
         f"{q.customers_true:,} / {q.customers_engine:,} (found outages)"),
        ("  outages exact / mean abs error / max",
         f"{found - len(q.customer_errors)}/{found} / {mean_err:.1f} / {max(abs_err, default=0)}"),
        ("last message -> correct outage, wall p50/p95/max", _spread(q.detect_wall)),
        ("first_detected_at - fault start p50/p95/max", _spread(q.detect_event_time)),
        ("restoration time - fault end p50/p95/max", _spread(q.restore_event_time)),
        ("meters with a wrong final state", f"{len(q.wrong_meters):,} of {q.meters_checked:,}"),
        ("meters off that no fault touched", f"{len(q.stray_off):,}"),
        ("unknowable meters (no channel, DP restored) off",
         f"{q.unobservable_off:,} of {q.unobservable:,}"),
    ]  # fmt: skip
    width = max(len(label) for label, _ in rows)
    lines = [f"{'metric'.ljust(width)}  value", f"{'-' * width}  {'-' * 40}"]
    lines += [f"{label.ljust(width)}  {value}" for label, value in rows]
    problems = q.problems()
    if problems:
        lines += ["", "departures from the ground truth:"]
        lines += [f"  - {p}" for p in problems[:40]]
        if len(problems) > 40:
            lines.append(f"  ... {len(problems) - 40} more")
    return "\n".join(lines)
