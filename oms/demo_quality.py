"""The quality figures of the storm `oms demo` just played: the engine's outages against the
storm's ground truth (`oms.demo_storm`), as the dashboard's "last storm" panel and the terminal
show them. Read-only; the figures are kept in `OMS_DATA_DIR/demo-last-storm.json` and served at
`GET /api/demo/storm/`.

An outage is right when it stands at the faulted device — right kind and right code. Planned
outages (the crew's openings) are neither right nor false: they are the switching, not a
prediction. Precision: right outages / right + false; recall: sustained faults found / faults.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from oms.storm import MOMENTARY

REPORT_FILE = "demo-last-storm.json"
OUTAGES = """
SELECT o.event_id, o.scope, topology_device_code(o.scope, o.device_id), o.status, o.event_type,
       o.affected_customers_count, o.first_detected_at, o.actual_restoration_time
FROM oms_outage_events o
WHERE o.first_detected_at >= %(since)s AND o.status NOT IN ('cancelled', 'merged')
  AND (o.feeder_id IN (SELECT id FROM network_feeders WHERE feeder_id = ANY(%(feeders)s))
       OR (o.feeder_id IS NULL AND o.substation_id IN (
           SELECT substation_id FROM network_feeders WHERE feeder_id = ANY(%(feeders)s))))
ORDER BY o.first_detected_at, o.id
"""


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def score(demo, cursor, *, network: str, seed: int, switching: list[dict] = ()) -> dict:
    """Figures of `demo` (a DemoStorm) against what the database holds now."""
    storm = demo.storm
    # Event times may be dated a little before the storm's clock started (latency, skew).
    cursor.execute(OUTAGES, {"since": storm.start - timedelta(seconds=5), "feeders": demo.feeders})
    rows = [
        dict(zip(("event_id", "scope", "device", "status", "event_type", "customers",
                  "detected_at", "restored_at"), row, strict=True))
        for row in cursor.fetchall()
    ]  # fmt: skip
    planned = [o for o in rows if o.get("event_type") == "planned_outage"]
    outages = [o for o in rows if o.get("event_type") != "planned_outage"]
    used: set[str] = set()
    faults, restore_errors = [], []
    for f in storm.faults:
        here = [o for o in outages if (o["scope"], o["device"]) == (f.scope, f.device)]
        start = storm.start + timedelta(seconds=f.start)
        if f.kind == MOMENTARY:
            mine = [o for o in here if o["event_type"] == "momentary" and o["event_id"] not in used]
        else:
            mine = [o for o in here if o["event_type"] != "momentary"]
        found = min(
            mine, key=lambda o: abs((o["detected_at"] - start).total_seconds()), default=None
        )
        if f.kind == MOMENTARY and found:
            used.add(found["event_id"])
        elif found:
            used.update(o["event_id"] for o in mine)
        restore_error = None
        if found and found["restored_at"] and f.end is not None and f.kind != MOMENTARY:
            end = storm.start + timedelta(seconds=f.end)
            restore_error = (found["restored_at"] - end).total_seconds()
            restore_errors.append(abs(restore_error))
        faults.append({
            "kind": f.kind, "scope": f.scope, "device": f.device, "customers": f.customers,
            "found": found["event_id"] if found else None,
            "engine_customers": found["customers"] if found else None,
            "restoration_error_s": restore_error,
        })  # fmt: skip
    false = [o for o in outages if o["event_id"] not in used]
    sustained = [f for f in faults if f["kind"] != MOMENTARY]
    right = [f for f in sustained if f["found"]]
    blips = [f for f in faults if f["kind"] == MOMENTARY]
    numbers = sorted(storm.expected_state)
    cursor.execute(
        "SELECT meter_number, power_status FROM oms_meters WHERE meter_number = ANY(%s)",
        [numbers + sorted(storm.unobservable)],
    )
    got = dict(cursor.fetchall())
    wrong = [n for n in numbers if got.get(n) != storm.expected_state[n]]
    # Meters without a channel behind a replaced fuse: no evidence can say they are back.
    unknowable_off = sum(1 for n in storm.unobservable if got.get(n) != "on")
    p95 = _pct(restore_errors, 0.95)
    return {
        "network": network,
        "seed": seed,
        "started_at": storm.start.isoformat(),
        "faults": faults,
        "precision": round(len(right) / (len(right) + len(false)), 3) if right or false else None,
        "recall": round(len(right) / len(sustained), 3) if sustained else None,
        "right": len(right),
        "sustained": len(sustained),
        "false_outages": [
            {
                "scope": o["scope"],
                "device": o["device"],
                "customers": o["customers"],
                "event_type": o["event_type"],
            }
            for o in false
        ],
        "momentary_recorded": sum(1 for f in blips if f["found"]),
        "momentary": len(blips),
        # Every customer a sustained fault put out (truth), and the count error of right outages.
        "customers_out": len(
            {
                storm.meter_info[n].customer or n
                for f in storm.faults
                if f.kind != MOMENTARY
                for n in f.meters
            }
        ),
        "customers_error": sum(abs(f["engine_customers"] - f["customers"]) for f in right),
        "customers_true": sum(f["customers"] for f in right),
        "customers_engine": sum(f["engine_customers"] for f in right),
        "restoration_error_p95_s": None if p95 is None else round(p95, 1),
        "planned_outages": len(planned),
        "switching": list(switching),
        "back_fed_meters": demo.back_fed,
        # What the engine counted as re-energized when the tie closed (its own figure).
        "back_fed_engine": sum(
            s.get("meters_energized") or 0
            for s in switching
            if s.get("note") == "back-feed through the tie"
        ),
        "meters_checked": len(numbers),
        "meters_wrong": len(wrong),
        "meters_unknowable": len(storm.unobservable),
        "meters_unknowable_off": unknowable_off,
    }


def format_figures(figures: dict) -> str:
    """The figures as the terminal prints them."""

    def ratio(value):
        return "n/a" if value is None else f"{value:.2f}"

    p95 = figures["restoration_error_p95_s"]
    lines = [
        f"storm {figures['seed']} on {figures['network']}: devices precision "
        f"{ratio(figures['precision'])}, recall {ratio(figures['recall'])} "
        f"({figures['right']}/{figures['sustained']} faults at the right device, "
        f"{len(figures['false_outages'])} false outages)",
        f"  customers out {figures['customers_out']:,}; at the right outages true "
        f"{figures['customers_true']:,}, engine {figures['customers_engine']:,}",
        f"  momentary recorded {figures['momentary_recorded']}/{figures['momentary']}; "
        f"restoration error p95 {'n/a' if p95 is None else f'{p95:,.0f} s'}; meters in a "
        f"wrong final state {figures['meters_wrong']:,} of {figures['meters_checked']:,}",
        f"  switching: {len(figures['switching'])} operations, "
        f"{figures['back_fed_meters']:,} meters back-fed through the tie (the engine counted "
        f"{figures['back_fed_engine']:,} re-energized)",
    ]
    for f in figures["faults"]:
        if f["kind"] != MOMENTARY:
            verdict = "found" if f["found"] else "MISSED"
            lines.append(f"  {f['kind']} {f['scope']} {f['device']}: {verdict}")
    for o in figures["false_outages"][:5]:
        lines.append(f"  false: {o['event_type']} at {o['scope']} {o['device']}")
    return "\n".join(lines)


def report_path() -> Path:
    from oms.embedded import data_dir

    return data_dir() / REPORT_FILE


def save(figures: dict) -> None:
    """Write the figures atomically (the dashboard may read them at any moment)."""
    path = report_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".demo-storm-")
    with os.fdopen(fd, "w") as handle:
        json.dump(figures, handle, default=str)
    os.replace(temporary, path)


def load() -> dict | None:
    try:
        return json.loads(report_path().read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
