"""Event time at the ingest doors (CONTRACT §12): the window of acceptable event times, read
from the engine's rules once per request, so that an event from the future or before 2000 is
refused with 400 naming its time field before anything is written. (The SQL engine refuses
the same at every door; staleness behind the frontier is judged there, when applying.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from ingest.parsers.common import EventTimeWindow, event_time_window


def current_window() -> EventTimeWindow:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.earliest, l.latest, outages_rule('max_clock_skew_minutes', 5)"
            " FROM meters_event_time_limits() l"
        )
        earliest, latest, skew = cursor.fetchone()
    return EventTimeWindow(earliest, latest, float(skew))


@contextmanager
def event_times_checked() -> Iterator[None]:
    """Parse payloads inside: their event times are held to the current window."""
    with event_time_window(current_window()):
        yield
