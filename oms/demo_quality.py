"""The quality figures of the storm `oms demo` just played: storm-eval's evaluation
(`oms.storm.evaluate`, `summary`) of the engine's outages since the storm began against the
storm's ground truth, kept in `OMS_DATA_DIR/demo-last-storm.json` for the dashboard's "Last
storm" panel (`GET /api/demo/storm/`). Read-only.

An outage is right when it stands at the faulted device, right kind and code, and overlaps the
fault in time; an operator's planned outage that no fault explains is neither right nor false.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from oms.storm import Storm, evaluate, format_report, shortfalls, summary
from oms.storm.evaluation import SLACK
from oms.storm.faults import MOMENTARY

REPORT_FILE = "demo-last-storm.json"


def back_fed(storm: Storm) -> int:
    """Meters the truth has back at the close of a normally-open tie (fed from its far side)."""
    ties = {
        t
        for t, kind, code, action, source, _ in storm.switching
        if source == "operator" and action == "close"
        and getattr(storm.grid.devices.get((kind, code)), "normal_state", "") == "open"
    }  # fmt: skip
    return len({n for f in storm.faults for n, t in f.restored.items() if t in ties})


def score(storm: Storm, cursor, *, network: str, seed: int, switching: list[dict] = ()):
    """(figures, the full report): the storm against what the database holds now."""
    q = evaluate(storm, cursor, since=storm.start - SLACK)
    s = summary(q)

    def found(f):
        o = q.found.get(f.index)
        return o.event_id if o else None

    def rounded(value, digits=3):
        return None if value is None else round(value, digits)

    figures = {
        "network": network,
        "seed": seed,
        "started_at": storm.start.isoformat(),
        "faults": [
            {
                "kind": f.kind,
                "scope": f.scope,
                "device": f.device,
                "customers": f.customers,
                "found": found(f),
            }
            for f in storm.faults
        ],
        "sustained": q.sustained,
        "right": len(q.found),
        "false_outages": [
            {
                "scope": o.scope,
                "device": o.device,
                "event_type": o.event_type,
                "customers": o.affected_customers,
            }
            for o in q.false_outages
        ],
        "precision": rounded(s["precision"]),
        "recall": rounded(s["recall"]),
        "customers_out": q.truly_out,
        "customers_error": rounded(s["customers_error"], 4),
        "falsely_out": rounded(s["falsely_out"], 4),
        "momentary": q.momentary,
        "momentary_recorded": q.momentary_recorded,
        "restore_p95_s": rounded(s["restore_p95"], 1),
        "meters_checked": q.meters_checked,
        "meters_wrong": len(q.wrong_meters),
        "planned_outages": len(q.planned),
        "back_fed_meters": back_fed(storm),
        "switching": list(switching),
        "shortfalls": shortfalls(q),
        "notes": list(getattr(storm, "notes", [])),
    }
    return figures, format_report(storm, q)


def format_figures(figures: dict) -> str:
    """A few lines for the terminal, after the full report."""

    def ratio(value):
        return "n/a" if value is None else f"{value:.2f}"

    missed = [
        f"{f['scope']} {f['device']}"
        for f in figures["faults"]
        if f["kind"] != MOMENTARY and not f["found"]
    ]
    lines = [
        f"storm {figures['seed']} on {figures['network']}: precision "
        f"{ratio(figures['precision'])}, recall {ratio(figures['recall'])} "
        f"({figures['right']}/{figures['sustained']} faults at the right device, "
        f"{len(figures['false_outages'])} false outages); {figures['back_fed_meters']:,} "
        f"meters back-fed through a tie; {len(figures['switching'])} crew operations",
    ]
    if missed:
        lines.append(f"  missed: {', '.join(missed)}")
    if figures["shortfalls"]:
        lines.append(f"  short of the targets: {'; '.join(figures['shortfalls'])}")
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
