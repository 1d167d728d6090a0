"""Helpers of the ingest tests: a client holding every ingest scope, posting fixture files,
reading meters' power status and the row counts that must not move when a request is refused."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.conftest import FIXTURES, load_fixture

INGEST_SCOPES = ("ingest:scada", "ingest:onu", "ingest:kaifa", "ingest:call_center")
COUNTED_TABLES = (
    "scada_events",
    "scada_event_affected_meters",
    "onu_events",
    "kaifa_events",
    "callcenter_tickets",
    "oms_meter_status_events",
    "oms_outage_events",
    "oms_event_sources",
    "oms_event_timeline",
)


def provider_of(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    for prefix, provider in (
        ("scada", "scada"),
        ("onu", "onu"),
        ("kaifa", "kaifa"),
        ("callcenter", "call_center"),
        ("call_center", "call_center"),
    ):
        if base.startswith(prefix):
            return provider
    raise ValueError(name)


def fixture_names() -> list[str]:
    return sorted(
        path.relative_to(FIXTURES).as_posix()
        for folder in ("providers", "real-feed-samples")
        for path in (FIXTURES / folder).iterdir()
    )


def post(client, provider: str, body, *, batch: bool = False):
    url = f"/api/ingest/{provider}/{'batch/' if batch else ''}"
    if isinstance(body, str):
        return client.post(url, body, content_type="text/xml")
    return client.post(url, body, format="json")


def post_fixture(client, name: str):
    return post(client, provider_of(name), load_fixture(name))


def power_of(*meter_numbers: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT meter_number, power_status FROM oms_meters WHERE meter_number = ANY(%s)",
            [list(meter_numbers)],
        )
        return dict(cursor.fetchall())


def meters_off() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT meter_number FROM oms_meters WHERE power_status = 'off'")
        return {row[0] for row in cursor.fetchall()}


def meter_range(first: int, last: int) -> set[str]:
    return {f"M4{n:07d}" for n in range(first, last + 1)}


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in COUNTED_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
        return counts


@pytest.fixture
def ingest_client(token_client):
    return token_client(*INGEST_SCOPES)
