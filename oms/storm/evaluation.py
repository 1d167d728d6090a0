"""What the engine settled on against the storm's ground truth (`evaluate`), and the quality
table (`format_report`). Reads only."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oms.storm.faults import MOMENTARY, Fault, Storm
from oms.storm.posting import PostResult

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
