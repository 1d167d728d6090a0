"""What the engine settled on against the storm's ground truth (`evaluate`). Reads only; the
figures and their table are in oms.storm.report.

Every truth fault counts. A sustained (or nested) fault is found when an outage that is not
momentary stands at its device — the same kind and code — and overlaps it in time (an
operator's planned outage at a switch opened to isolate a fault is the truth's nested fault
there); every other outage that is neither momentary nor planned is a false outage, and the
planned ones no fault explains are listed apart. The truth's planned interruptions (returning a
back-feed to normal) are judged apart too: recorded at their device or not. Blips
(momentary faults) are judged apart: recorded as momentary, or left alone, is right; a
sustained outage at a blip's device is false.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oms.storm.faults import MOMENTARY, OUTAGE_PHASE, Fault, Storm
from oms.storm.faults import PLANNED as PLANNED_FAULT
from oms.storm.posting import PostResult

OUTAGES_SQL = """
SELECT o.event_id, o.scope, o.status, o.event_type, topology_device_code(o.scope, o.device_id),
       o.affected_meters_count, o.restored_meters_count, o.affected_customers_count,
       o.first_detected_at, o.actual_restoration_time
FROM oms_outage_events o
"""
# The customers each reported outage holds (its meters' customers, or the meter itself).
LINKED_SQL = """
SELECT o.event_id, m.meter_number, coalesce(c.customer_id, m.meter_number)
FROM oms_outage_meters om
JOIN oms_outage_events o ON o.id = om.outage_event_id
JOIN oms_meters m ON m.id = om.meter_id
LEFT JOIN oms_customers c ON c.id = m.customer_id
WHERE o.status <> ALL(%s)
"""
NOT_SETTLED = ("cancelled", "merged")
ACTIVE = ("detected", "confirmed", "in_progress")
PLANNED = "planned_outage"
SLACK = timedelta(minutes=10)  # an outage may start this much before its fault (skewed clocks)


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

    @property
    def reported(self) -> bool:
        """Stands as an outage of the network (neither a blip nor an operator's switching)."""
        return self.event_type not in ("momentary", PLANNED)


def fetch_outages(cursor, since: datetime | None = None) -> list[EngineOutage]:
    """Every outage, or those first detected from `since` on (a storm on a database that
    holds earlier ones: `oms demo`)."""
    if since is None:
        cursor.execute(OUTAGES_SQL)
    else:
        cursor.execute(OUTAGES_SQL + " WHERE o.first_detected_at >= %s", [since])
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
                    if o.status not in NOT_SETTLED and o.reported:
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


@dataclass
class Quality:
    """The engine's result against the ground truth."""

    sustained: int = 0  # ground-truth sustained outages (incl. nested)
    found: dict[int, EngineOutage] = field(default_factory=dict)  # fault index -> its outage
    missed: list[Fault] = field(default_factory=list)
    # faults no message of their outage told of (every gasp lost, no call, no SCADA): only
    # what did not come (power-ups missing after a restoration) can show them
    silent: list[Fault] = field(default_factory=list)
    false_outages: list[EngineOutage] = field(default_factory=list)
    # operators' switching that no fault explains (a switch opened inside a zone already out)
    planned: list[EngineOutage] = field(default_factory=list)
    duplicates: list[tuple[Fault, int]] = field(default_factory=list)  # >1 outage for a fault
    wrong_status: list[tuple[Fault, str]] = field(default_factory=list)
    planned_faults: int = 0  # operators' planned interruptions in the truth
    planned_recorded: int = 0  # of those, standing as an outage at their device
    momentary: int = 0
    momentary_recorded: int = 0  # blips the engine recorded as momentary
    momentary_as_outage: list[Fault] = field(default_factory=list)
    blip_outages: int = 0  # momentary outages the engine recorded for the blips
    blip_meters_twice: list[str] = field(default_factory=list)  # in two outages of one blip
    stray_momentary: list[EngineOutage] = field(default_factory=list)  # no blip explains it
    # restored, yet open: a channel-less meter with direct evidence (a call) never reports back
    held_open: list[Fault] = field(default_factory=list)
    customers_true: int = 0  # of the found faults
    customers_engine: int = 0  # their outages' affected_customers_count
    customer_errors: list[tuple[Fault, int]] = field(default_factory=list)  # (fault, engine-true)
    meter_errors: list[tuple[Fault, int]] = field(default_factory=list)
    truly_out: int = 0  # distinct customers of every sustained fault
    falsely_out: set[str] = field(default_factory=set)  # reported out, never out for long
    detect_wall: list[float] = field(default_factory=list)  # s, last message acked -> outage seen
    detect_event_time: list[float] = field(default_factory=list)  # s, first_detected_at - start
    restore_event_time: list[float] = field(default_factory=list)  # s, restoration time - end
    meters_checked: int = 0
    wrong_meters: list[tuple[str, str, str]] = field(default_factory=list)  # meter, expected, got
    spurious_wrong: int = 0  # of wrong_meters: meters that only gasped while fed
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

    @property
    def recall_told(self) -> float:
        """Recall over the faults some message told of: the silent ones are left out of both
        sides (one found from missing power-ups is not counted as a told one found)."""
        silent = {f.index for f in self.silent}
        told = self.sustained - len(silent)
        return sum(1 for i in self.found if i not in silent) / told if told else 1.0

    @property
    def customer_error_share(self) -> float:
        """Sum of |engine - true| affected customers over the found outages, per true customer."""
        total = sum(abs(d) for _, d in self.customer_errors)
        return total / self.customers_true if self.customers_true else 0.0

    @property
    def falsely_out_share(self) -> float:
        return len(self.falsely_out) / self.truly_out if self.truly_out else 0.0


def _overlaps(o: EngineOutage, start: datetime, end: datetime | None) -> bool:
    o_end = o.actual_restoration_time
    return o.first_detected_at <= (end or datetime.max.replace(tzinfo=start.tzinfo)) and (
        o_end is None or o_end >= start - SLACK
    )


def evaluate(
    storm: Storm,
    cursor,
    *,
    post: PostResult | None = None,
    watcher: OutageWatcher | None = None,
    since: datetime | None = None,
) -> Quality:
    """Compare the outages and meter states in the database with the storm's ground truth
    (only the outages first detected from `since` on, when given)."""
    q = Quality()
    outages = [o for o in fetch_outages(cursor, since) if o.status not in NOT_SETTLED]
    q.planned = [o for o in outages if o.event_type == PLANNED]
    by_key: dict[tuple[str, str], list[EngineOutage]] = defaultdict(list)
    for o in outages:
        by_key[o.key()].append(o)
    matched: set[str] = set()
    planned_matched: set[str] = set()

    def when(offset: float | None) -> datetime | None:
        return None if offset is None else storm.start + timedelta(seconds=offset)

    def candidates(f: Fault) -> list[EngineOutage]:
        start, end = when(f.start), when(f.end)
        return [o for o in by_key.get(f.key(), []) if o.event_type != "momentary"
                and o.event_id not in matched and _overlaps(o, start, end)]  # fmt: skip

    # Operators' planned interruptions (returning a back-feed to normal): recorded or not.
    for f in (f for f in storm.faults if f.kind == PLANNED_FAULT):
        q.planned_faults += 1
        here = candidates(f)
        q.planned_recorded += bool(here)
        matched.update(o.event_id for o in here)
        planned_matched.update(o.event_id for o in here)
    sustained_faults = sorted((f for f in storm.faults if f.kind not in (MOMENTARY, PLANNED_FAULT)),
                              key=lambda f: f.start)  # fmt: skip
    # Told of: a gasp, call or SCADA message of its outage, or the operators' opening.
    told = {e.fault for e in storm.emissions if e.fault >= 0 and (
        e.phase == OUTAGE_PHASE or (e.provider == "operate" and e.kind == "open"))}  # fmt: skip
    for f in sustained_faults:
        q.sustained += 1
        if f.index not in told:
            q.silent.append(f)
        start, end = when(f.start), when(f.end)
        here = candidates(f)
        if not here:
            q.missed.append(f)
            continue
        o = min(here, key=lambda o: abs((o.first_detected_at - start).total_seconds()))
        q.found[f.index] = o
        matched.update(x.event_id for x in here)
        if len(here) > 1:
            q.duplicates.append((f, len(here)))
        if (o.status in ACTIVE) != (f.end is None):
            if o.status in ACTIVE and storm.unobservable.intersection(f.meters):
                q.held_open.append(f)
            else:
                q.wrong_status.append((f, o.status))
        q.customers_true += f.customers
        q.customers_engine += o.affected_customers
        if o.affected_customers != f.customers:
            q.customer_errors.append((f, o.affected_customers - f.customers))
        if o.affected_meters != len(f.meters):
            q.meter_errors.append((f, o.affected_meters - len(f.meters)))
        q.detect_event_time.append((o.first_detected_at - start).total_seconds())
        if end is not None and o.actual_restoration_time is not None:
            q.restore_event_time.append((o.actual_restoration_time - end).total_seconds())
        if watcher and post and f.index in post.fault_acked and f.key() in watcher.first_seen:
            q.detect_wall.append(max(0.0, watcher.first_seen[f.key()] - post.fault_acked[f.index]))

    cursor.execute(LINKED_SQL, [list(NOT_SETTLED)])
    linked: dict[str, set[str]] = defaultdict(set)
    customers_of: dict[str, set[str]] = defaultdict(set)
    for event_id, number, customer in cursor.fetchall():
        linked[event_id].add(number)
        customers_of[event_id].add(customer)
    _judge_blips(storm, q, outages, by_key, matched, linked)
    q.false_outages = [o for o in outages if o.event_id not in matched and o.reported]
    q.planned = [o for o in q.planned if o.event_id not in matched]

    def customer(number: str) -> str:
        info = storm.meter_info.get(number)
        return (info.customer if info else "") or number

    out_long = {customer(n) for f in sustained_faults for n in f.meters}
    q.truly_out = len(out_long)
    for o in outages:
        if o.event_type != "momentary" and o.event_id not in planned_matched:
            q.falsely_out |= customers_of.get(o.event_id, set()) - out_long
    _judge_meters(storm, q, cursor)
    return q


def _judge_blips(storm, q: Quality, outages, by_key, matched: set[str], linked) -> None:
    """Momentary outages inside a blip belong to it (the engine may record a blip meter by
    meter, or DP by DP when last gasps arrive after the breaker re-closed); none may count a
    meter twice. A sustained outage at a blip's device is false."""

    def meters_of(o: EngineOutage) -> set[str]:
        if o.event_id in linked:
            return linked[o.event_id]
        return {o.device} if o.scope == "meter" else set()

    for f in (f for f in storm.faults if f.kind == MOMENTARY):
        q.momentary += 1
        here = by_key.get(f.key(), [])
        if any(o.reported and o.event_id not in matched for o in here):
            q.momentary_as_outage.append(f)
        inside = set(f.meters)
        seen: Counter = Counter()
        recorded = False
        for o in outages:
            if o.event_type != "momentary" or o.event_id in matched:
                continue
            covered = meters_of(o)
            if o.key() == f.key() or (covered and covered <= inside):
                matched.add(o.event_id)
                q.blip_outages += 1
                recorded = True
                seen.update(covered)
        q.momentary_recorded += recorded
        q.blip_meters_twice += sorted(n for n, k in seen.items() if k > 1)
    q.stray_momentary = [
        o for o in outages if o.event_type == "momentary" and o.event_id not in matched
    ]


def _judge_meters(storm: Storm, q: Quality, cursor) -> None:
    """Every meter the storm touched, and any other meter left off."""
    numbers = sorted(storm.expected_state)
    cursor.execute(
        "SELECT meter_number, power_status FROM oms_meters WHERE meter_number = ANY(%s)",
        [numbers],
    )
    got = dict(cursor.fetchall())
    q.meters_checked = len(numbers)
    spurious = getattr(storm, "spurious", set())
    touched = {n for f in storm.faults for n in f.meters}
    for n in numbers:
        if got.get(n) != storm.expected_state[n]:
            q.wrong_meters.append((n, storm.expected_state[n], got.get(n, "missing")))
            q.spurious_wrong += n in spurious and n not in touched
    cursor.execute("SELECT meter_number FROM oms_meters WHERE power_status = 'off'")
    off = {n for (n,) in cursor.fetchall()}
    q.unobservable = len(storm.unobservable)
    q.unobservable_off = len(off & storm.unobservable)
    q.stray_off = sorted(off - set(storm.expected_state) - storm.unobservable)
