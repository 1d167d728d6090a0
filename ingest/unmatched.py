"""The unmatched events of all four feeds as one newest-first list (for the API and stewards)."""

from __future__ import annotations

import json

from django.db import connection

_SELECTS = {
    "scada": "SELECT 'scada' AS provider, id, source_event_id, event_type, evidence,"
    " event_timestamp, received_at, jsonb_build_object('substationId', substation_id,"
    " 'feederId', feeder_id) AS identifiers FROM scada_events",
    "onu": "SELECT 'onu', id, source_event_id, event_type, evidence, event_timestamp,"
    " received_at, jsonb_build_object('onuId', onu_id, 'associatedMeters', associated_meters)"
    " FROM onu_events",
    "kaifa": "SELECT 'kaifa', id, source_event_id, event_type_ref, evidence, event_timestamp,"
    " received_at, jsonb_build_object('assetMrid', asset_mrid, 'usagePointMrid',"
    " usage_point_mrid) FROM kaifa_events",
    "call_center": "SELECT 'call_center', id, source_event_id, 'customer_call', evidence,"
    " event_timestamp, received_at, jsonb_build_object('meterNumber', meter_number, 'phone',"
    " phone) FROM callcenter_tickets",
}
_WHERE = " WHERE processing_status = 'unmatched'"
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


class UnmatchedEvents:
    """A sliceable, countable list (what Django's Paginator needs) over a UNION ALL query."""

    def __init__(self, provider: str | None = None):
        self.providers = [provider] if provider else list(_SELECTS)

    def _union(self) -> str:
        return " UNION ALL ".join(_SELECTS[name] + _WHERE for name in self.providers)

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
