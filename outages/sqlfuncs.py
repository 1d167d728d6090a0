"""The Python wrappers of the outage engine's SQL functions that Python calls (outages/sql/*.sql).

Python calls only the engine's entry points, through these (ingest, lifecycle actions, tests);
the other functions of outages/sql/ are the engine's own steps, called from SQL. The SQL
functions emit `pg_notify('oms_outages', ...)` for every outage they change, so pushes follow
the commit whichever door the change came through.
"""

from __future__ import annotations

from datetime import datetime

import orjson
from django.db import connection, transaction

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


def apply_device_evidence(
    *,
    evidence: str,
    scope: str,
    device_id: int,
    provider: str,
    source_event_id: str,
    event_time: datetime | str,
    severity: str = "high",
    root_cause: str = "",
    operated: bool = False,
) -> list[dict]:
    """Loss of voltage ('off') or restoration ('on') at a device (outages_apply_device_evidence);
    `operated`: the device itself opened at `event_time` (its SCADA status, an operator's act).

    Returns one row per meter fed from the device: meter_id, previous_status, power_status and
    the outage it is counted in (or None).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM outages_apply_device_evidence(%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                evidence,
                scope,
                device_id,
                provider,
                source_event_id,
                _iso(event_time),
                severity,
                root_cause,
                operated,
            ],
        )
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def announce_switching(operation_id: int) -> None:
    """Tell the relay a switching operation was logged (outages_announce_switching); delivered
    at commit, like every outage change."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT outages_announce_switching(%s)", [operation_id])


def announce_rules(switch_id: int) -> None:
    """Tell the relay operators switched the active rule set (outages_announce_rules); delivered
    at commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT outages_announce_rules(%s)", [switch_id])


def sweep() -> int:
    """The engine's clock-driven work, each step in a transaction of its own (each takes its
    feeder locks once): single-meter evidence that has waited out its wait is correlated
    (outages_sweep), then predictions later evidence contradicts are re-placed or restored
    (outages_review), then the meters re-energizations set on are checked for their power-ups
    once their wait is over (outages_check_restorations). Returns how many pieces of evidence,
    outages and checked meters it handled."""
    done = 0
    for statement in (
        "SELECT outages_sweep()",
        "SELECT outages_review()",
        "SELECT outages_check_restorations(NULL)",
    ):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
            done += cursor.fetchone()[0]
    return done
