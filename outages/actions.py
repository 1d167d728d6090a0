"""State changes of outages that operators make; the engine's SQL does the work.

Each action owns its transaction and turns the engine's errors into domain errors; pushes to
dashboards follow from the engine's pg_notify at commit, whichever door the change came through.
"""

from __future__ import annotations

from datetime import datetime

from django.db import DatabaseError, transaction

from outages import sqlfuncs
from outages.models import Outage


class OutageNotFound(Exception):
    pass


class IllegalTransition(Exception):
    pass


def transition_outage(
    *,
    event_id: str,
    status: str | None,
    actor: str,
    note: str = "",
    estimated_restoration_time: datetime | None = None,
    crew: str | None = None,
) -> Outage:
    """Move an outage along detected → confirmed → in_progress → restored → cleared (or cancel
    it), recording note, ETR and crew on its timeline."""
    try:
        with transaction.atomic():
            sqlfuncs.transition_outage(
                event_id=event_id,
                status=status,
                actor=actor,
                note=note,
                estimated_restoration_time=estimated_restoration_time,
                crew=crew,
            )
    except DatabaseError as exc:
        sqlstate = getattr(exc.__cause__, "sqlstate", None)
        if sqlstate == "P0002":
            raise OutageNotFound(event_id) from exc
        if sqlstate == "OM409":
            raise IllegalTransition(str(exc.__cause__).splitlines()[0]) from exc
        raise
    return Outage.objects.get(event_id=event_id)
