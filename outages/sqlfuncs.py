"""The Python wrappers of the outage engine's SQL functions that Python calls (outages/sql/*.sql).

Python calls only the engine's entry points, through these (ingest, lifecycle actions, tests);
the other functions of outages/sql/ are the engine's own steps, called from SQL. The SQL
functions emit `pg_notify('oms_outages', ...)` for every outage they change, so pushes follow
the commit whichever door the change came through.
"""

from __future__ import annotations

from datetime import datetime

import orjson

from oms.sqlcalls import jsonb_call


def _iso(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def apply_meter_evidence(events: list[dict]) -> list[dict]:
    """Apply a set of per-meter evidence rows in one set-based call (outages_apply_meter_evidence).

    Each event: ``{"meter_id", "evidence": "off"|"on"|"report", "event_time", "provider",
    "source_event_id", "event_type"}``. One source event may concern several meters (an ONU):
    give one row per meter with the same source_event_id.

    Returns one row per input row that was new: ``{"meter_id", "source_event_id",
    "power_status", "outage_event_id"}`` (power_status after the call; outage_event_id the
    active outage the meter's evidence joined, or null). Rows already recorded (re-delivery)
    are not returned and change nothing.
    """
    # orjson writes datetimes as RFC 3339, which timestamptz reads.
    return jsonb_call(
        "SELECT outages_apply_meter_evidence(%s::jsonb)", [orjson.dumps(events).decode()]
    )


def transition_outage(
    *,
    event_id: str,
    status: str | None,
    actor: str,
    note: str = "",
    estimated_restoration_time: datetime | None = None,
    crew: str | None = None,
) -> dict:
    """Move an outage along its lifecycle (outages_transition); raises on an illegal move."""
    return jsonb_call(
        "SELECT outages_transition(%s, %s, %s, %s, %s::timestamptz, %s)",
        [event_id, status, actor, note, _iso(estimated_restoration_time), crew],
    )
