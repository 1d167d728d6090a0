"""The Python wrappers of meters' SQL functions that Python calls (meters/sql/*.sql)."""

from __future__ import annotations

from datetime import datetime

import orjson
from django.db import connection


def update_meter_status(
    *,
    meter_number: str,
    status: str,
    event_type: str | None,
    source_type: str,
    source_event_id: str | None,
    event_time: datetime,
    metadata: dict | None,
) -> bool:
    """The seed's per-meter door (update_meter_status): true when the meter's state changed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT update_meter_status(p_meter_number := %s, p_new_status := %s,"
            " p_event_type := %s, p_source_type := %s, p_source_event_id := %s,"
            " p_event_timestamp := %s, p_metadata := %s::jsonb)",
            [
                meter_number,
                status,
                event_type,
                source_type,
                source_event_id,
                event_time,
                orjson.dumps(metadata or {}).decode(),
            ],
        )
        return cursor.fetchone()[0]
