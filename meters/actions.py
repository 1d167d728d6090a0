"""State changes of meters; the engine's SQL does the work.

A meter's power and communication status change only through evidence: the feeds (ingest) and
the seed's per-meter door, `update_meter_status`, which runs the same engine. This action owns
its transaction and turns the engine's refusals into domain errors.
"""

from __future__ import annotations

from datetime import datetime

from django.db import DatabaseError, transaction

from meters import sqlfuncs


class UnknownMeter(Exception):
    pass


class InvalidStatus(ValueError):
    """An unknown status or source type (the engine's message says which)."""


class InvalidEventTime(ValueError):
    """An event time outside the limits of CONTRACT §12 (too far ahead, or before 2000)."""


def update_meter_status(
    *,
    meter_number: str,
    status: str,
    event_time: datetime,
    source_type: str = "operator",
    source_event_id: str | None = None,
    event_type: str | None = None,
    metadata: dict | None = None,
) -> bool:
    """Record one status report for a meter: `on`/`off` power evidence (correlated into outages),
    `online`/`offline` communication, `unknown` recorded only. True when its state changed."""
    try:
        with transaction.atomic():
            return sqlfuncs.update_meter_status(
                meter_number=meter_number,
                status=status,
                event_type=event_type,
                source_type=source_type,
                source_event_id=source_event_id,
                event_time=event_time,
                metadata=metadata,
            )
    except DatabaseError as exc:
        sqlstate = getattr(exc.__cause__, "sqlstate", None)
        if sqlstate == "P0002":
            raise UnknownMeter(meter_number) from exc
        if sqlstate == "22023":
            raise InvalidStatus(str(exc.__cause__).splitlines()[0]) from exc
        if sqlstate == "22008":
            raise InvalidEventTime(str(exc.__cause__).splitlines()[0]) from exc
        raise
