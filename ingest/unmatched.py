"""The unmatched events of all four feeds as one newest-first list (for the API and stewards)."""

from __future__ import annotations

import json

from django.db import connection

# provider: (table, event type expression, identifiers expression)
_SOURCES = {
    "scada": (
        "scada_events",
        "event_type",
        "jsonb_build_object('substationId', substation_id, 'feederId', feeder_id,"
        " 'deviceType', nullif(device_kind, ''), 'deviceId', nullif(device_code, ''),"
        " 'note', note)",
    ),
    "onu": (
        "onu_events",
        "event_type",
        "jsonb_build_object('onuId', onu_id, 'associatedMeters', associated_meters)",
    ),
    "kaifa": (
        "kaifa_events",
        "event_type_ref",
        "jsonb_build_object('assetMrid', asset_mrid, 'usagePointMrid', usage_point_mrid)",
    ),
    "call_center": (
        "callcenter_tickets",
        "'customer_call'",
        "jsonb_build_object('meterNumber', meter_number, 'phone', phone)",
    ),
}
_COLUMNS = (
    "provider",
    "id",
    "source_event_id",
    "event_type",
    "evidence",
    "event_timestamp",
    "received_at",
    "identifiers",
)


def _select(provider: str) -> str:
    table, event_type, identifiers = _SOURCES[provider]
    return (
        f"SELECT '{provider}' AS provider, id, source_event_id, {event_type} AS event_type,"
        f" evidence, event_timestamp, received_at, {identifiers} AS identifiers"
        f" FROM {table} WHERE processing_status = 'unmatched'"
    )


class UnmatchedEvents:
    """A sliceable, countable list (what Django's Paginator needs) over a UNION ALL query."""

    def __init__(self, provider: str | None = None):
        self.providers = [provider] if provider else list(_SOURCES)

    def _union(self) -> str:
        return " UNION ALL ".join(_select(name) for name in self.providers)

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({self._union()}) AS u")
            return cursor.fetchone()[0]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[dict]:
        start, stop = window.start or 0, window.stop
        with connection.cursor() as cursor:
            cursor.execute(
                f"{self._union()} ORDER BY received_at DESC, provider, id DESC LIMIT %s OFFSET %s",
                [None if stop is None else stop - start, start],
            )
            rows = [dict(zip(_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
        for row in rows:
            # Django hands jsonb back as text to raw cursors.
            if isinstance(row["identifiers"], str):
                row["identifiers"] = json.loads(row["identifiers"])
        return rows
