"""The quality figures of a storm (`summary`) and their table (`format_report`), from
oms.storm.evaluation's Quality. The labels of the table are read by bench/storm_compare.py."""

from __future__ import annotations

import math
from collections import Counter

from oms.storm.evaluation import Quality
from oms.storm.faults import Storm
from oms.storm.posting import PostResult

# The targets of issue 11 (default rules, every network).
TARGETS = {
    "precision": ">= 0.95",
    "recall": ">= 0.95",
    "customers_error": "<= 2%",
    "falsely_out": "<= 1%",
    "detect_p95": "<= 5 s",
    "restore_p95": "<= 60 s",
}


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _fmt_s(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f} s"


def _spread(values: list[float], qs=(0.5, 0.95, 1.0)) -> str:
    return " / ".join(_fmt_s(pct(values, q)) for q in qs)


def noise_figures(storm: Storm) -> dict[str, int]:
    """What the feeds did wrong: the storm's own count (network storms), else what the
    emissions show (re-deliveries; messages that arrived two minutes or more after their time)."""
    figures = dict(getattr(storm, "noise", None) or {})
    figures["redeliveries"] = sum(e.redelivery for e in storm.emissions)
    if "late" not in figures:
        figures["late"] = sum(
            1 for e in storm.emissions if not e.redelivery and e.arrival - e.event_time >= 120
        )
    return figures


def summary(q: Quality) -> dict[str, float | int | None]:
    """The figures of the README's tables, one storm."""
    return {
        "faults": q.sustained,
        "found": len(q.found),
        "false": len(q.false_outages),
        "precision": q.precision,
        "recall": q.recall,
        "recall_told": q.recall_told,
        "silent": len(q.silent),
        "customers_error": q.customer_error_share,
        "falsely_out": q.falsely_out_share,
        "wrong_meters": len(q.wrong_meters),
        "meters_checked": q.meters_checked,
        "detect_p95": pct(q.detect_wall, 0.95),
        "restore_p50": pct([abs(x) for x in q.restore_event_time], 0.5),
        "restore_p95": pct([abs(x) for x in q.restore_event_time], 0.95),
    }


def shortfalls(q: Quality) -> list[str]:
    """The targets this storm misses, in words."""
    s = summary(q)
    out = []
    if s["precision"] < 0.95:
        out.append(f"precision {s['precision']:.3f} < 0.95")
    if s["recall"] < 0.95:
        out.append(f"recall {s['recall']:.3f} < 0.95")
    if s["customers_error"] > 0.02:
        out.append(f"customers-affected error {s['customers_error']:.1%} > 2%")
    if s["falsely_out"] > 0.01:
        out.append(f"customers falsely reported out {s['falsely_out']:.1%} > 1%")
    if s["detect_p95"] is not None and s["detect_p95"] > 5:
        out.append(f"last message -> correct outage p95 {s['detect_p95']:.1f} s > 5 s")
    if s["restore_p95"] is not None and s["restore_p95"] > 60:
        out.append(f"restoration-time error p95 {s['restore_p95']:.0f} s > 60 s")
    return out


def problems(storm: Storm, q: Quality) -> list[str]:
    """Each departure from the ground truth, in words (for test failures and reports)."""
    silent = {f.index for f in q.silent}
    out = [f"missed {f.kind} {f.scope} {f.device} ({len(f.meters)} meters, {f.customers} "
           f"customers){' - no message told of it' if f.index in silent else ''}"
           for f in q.missed]  # fmt: skip
    out += [
        f"false outage {o.scope} {o.device} {o.status} {o.event_type} ({o.event_id}, "
        f"{o.affected_meters} meters)"
        for o in q.false_outages
    ]
    out += [
        f"planned outage {o.scope} {o.device} ({o.event_id}, {o.affected_customers} customers) "
        "that no fault explains"
        for o in q.planned
    ]
    out += [f"{n} outages for the fault at {f.scope} {f.device}" for f, n in q.duplicates]
    out += [
        f"{f.kind} {f.scope} {f.device}: status {s}, expected "
        f"{'active' if f.end is None else 'restored'}"
        for f, s in q.wrong_status
    ]
    out += [
        f"{f.scope} {f.device}: affected_customers_count off by {d:+d} (true {f.customers})"
        for f, d in q.customer_errors
    ]
    out += [
        f"{f.scope} {f.device}: affected_meters_count off by {d:+d} (true {len(f.meters)})"
        for f, d in q.meter_errors
    ]
    out += [
        f"blip at {f.scope} {f.device} became a sustained outage" for f in q.momentary_as_outage
    ]
    if q.blip_meters_twice:
        out.append(
            f"{len(q.blip_meters_twice)} meters counted in two momentary outages of one "
            f"blip (e.g. {', '.join(q.blip_meters_twice[:3])})"
        )
    out += [
        f"{f.scope} {f.device} restored, but its outage stays open: a meter without a "
        "channel (its customer called) never reports power back"
        for f in q.held_open
    ]
    if q.falsely_out:
        out.append(f"{len(q.falsely_out)} customers reported out who were not out for long "
                   f"(e.g. {', '.join(sorted(q.falsely_out)[:3])})")  # fmt: skip
    out += [f"meter {m}: expected {e}, got {g}" for m, e, g in q.wrong_meters[:50]]
    if len(q.wrong_meters) > 50:
        out.append(f"… and {len(q.wrong_meters) - 50} more wrong meters")
    out += [f"meter {m} is off but no fault touched it" for m in q.stray_off[:20]]
    out += [f"note: {n}" for n in getattr(storm, "notes", [])]
    return out


def format_report(storm: Storm, q: Quality, post: PostResult | None = None) -> str:
    """The quality table (and the ingest figures when `post` is given)."""
    kinds = Counter(f.kind for f in storm.faults)
    at = Counter(f"{f.kind} {f.scope}" for f in storm.faults)
    noise = noise_figures(storm)
    rows: list[tuple[str, str]] = [
        ("faults injected", ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))),
        ("  by kind and device", ", ".join(f"{n} {k}" for k, n in sorted(at.items()))),
        ("messages sent", f"{len(storm.emissions):,} ({noise['redeliveries']:,} re-deliveries)"),
        ("  noise", ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sorted(noise.items()))),
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
    rows += [
        ("outage devices: precision",
         f"{q.precision:.3f} ({found} right, {len(q.false_outages)} false)"),
        ("outage devices: recall", f"{q.recall:.3f} ({found}/{q.sustained}, "
         f"{len(q.missed)} missed)"),
        ("  recall of the faults a message told of", f"{q.recall_told:.3f} "
         f"({len(q.silent)} faults no message told of, "
         f"{sum(1 for f in q.silent if f.index in q.found)} of them found)"),
        ("  faults with more than one outage", str(len(q.duplicates))),
        ("  outages in the wrong status", str(len(q.wrong_status))),
        ("  restored DPs held open by channel-less meters", str(len(q.held_open))),
        ("  planned switching outages no fault explains", str(len(q.planned))),
        ("operators' planned interruptions recorded", f"{q.planned_recorded}/{q.planned_faults}"),
        ("momentary blips recorded as momentary", f"{q.momentary_recorded}/{q.momentary} "
         f"in {q.blip_outages} outages ({len(q.momentary_as_outage)} as sustained)"),
        ("  blip meters counted twice", f"{len(q.blip_meters_twice):,}"),
        ("  momentary outages no blip explains", str(len(q.stray_momentary))),
        ("customers affected: true / engine",
         f"{q.customers_true:,} / {q.customers_engine:,} (found outages)"),
        ("  error (sum of abs errors / true)", f"{q.customer_error_share:.2%} "
         f"({found - len(q.customer_errors)}/{found} exact, max {max(abs_err, default=0)})"),
        ("customers falsely reported out", f"{len(q.falsely_out):,} = "
         f"{q.falsely_out_share:.2%} of {q.truly_out:,} truly out"),
        ("last message -> correct outage, wall p50/p95/max", _spread(q.detect_wall)),
        ("first_detected_at - fault start p50/p95/max", _spread(q.detect_event_time)),
        ("restoration time - fault end p50/p95/max", _spread(q.restore_event_time)),
        ("  restoration-time error (abs) p50/p95/max",
         _spread([abs(x) for x in q.restore_event_time])),
        ("meters with a wrong final state", f"{len(q.wrong_meters):,} of {q.meters_checked:,}"
         f" ({q.spurious_wrong:,} only gasped while fed)"),
        ("meters off that no fault touched", f"{len(q.stray_off):,}"),
        ("unknowable meters (no channel, DP restored) off",
         f"{q.unobservable_off:,} of {q.unobservable:,}"),
    ]  # fmt: skip
    short = shortfalls(q)
    rows.append(("targets missed", "; ".join(short) if short else "none"))
    width = max(len(label) for label, _ in rows)
    lines = [f"{'metric'.ljust(width)}  value", f"{'-' * width}  {'-' * 40}"]
    lines += [f"{label.ljust(width)}  {value}" for label, value in rows]
    found_problems = problems(storm, q)
    if found_problems:
        lines += ["", "departures from the ground truth:"]
        lines += [f"  - {p}" for p in found_problems[:40]]
        if len(found_problems) > 40:
            lines.append(f"  ... {len(found_problems) - 40} more")
    return "\n".join(lines)
