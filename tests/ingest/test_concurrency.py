"""The same event delivered twice at the same moment (two head-end retries, two consumers):
stored once, applied once, one 201 and one 200 with the same body."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.conftest import load_fixture
from tests.ingest.conftest import INGEST_SCOPES, post, row_counts

pytestmark = pytest.mark.django_db(transaction=True)


def post_at_once(provider: str, bodies: list, key: str, *, batch: bool = False) -> list:
    from rest_framework.test import APIClient

    barrier = threading.Barrier(len(bodies))
    results: list = [None] * len(bodies)

    def deliver(index: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        barrier.wait()
        try:
            response = post(client, provider, bodies[index], batch=batch)
            results[index] = (response.status_code, response.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize(
    ("provider", "name"),
    [
        ("onu", "providers/onu_last_gasp.json"),
        ("kaifa", "providers/kaifa_power_outage_two_meters.xml"),
        ("call_center", "providers/callcenter_ticket.json"),
    ],
)
def test_simultaneous_redelivery_is_stored_and_applied_once(grid, provider, name):
    from oms.tokens import issue_token

    key = issue_token("concurrent", list(INGEST_SCOPES))
    before = row_counts()
    body = load_fixture(name)

    results = post_at_once(provider, [body, body], key)

    assert sorted(code for code, _ in results) == [200, 201], results
    first, second = (answer for _, answer in sorted(results, key=lambda r: r[0], reverse=True))
    assert second["duplicate"] is True
    after = row_counts()
    raw_table = {"onu": "onu_events", "kaifa": "kaifa_events", "call_center": "callcenter_tickets"}
    events = len(first.get("events", [first]))
    assert after[raw_table[provider]] == before[raw_table[provider]] + events
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT (meter_id, source_event_id))"
            " FROM oms_meter_status_events WHERE source_type = %s",
            [provider],
        )
        total, distinct = cursor.fetchone()
    assert total == distinct


def test_concurrent_batches_over_the_same_meters_lose_nothing(grid):
    from oms.tokens import issue_token
    from tests.ingest.test_batch import kaifa_event

    key = issue_token("concurrent", list(INGEST_SCOPES))
    first = [kaifa_event(n) for n in range(1, 41)]
    second = [kaifa_event(n) for n in range(21, 61)]  # half of it re-delivers the first

    results = post_at_once("kaifa", [{"events": first}, {"events": second}], key, batch=True)

    assert [code for code, _ in results] == [200, 200]
    accepted = sum(answer["accepted"] for _, answer in results)
    duplicates = sum(answer["duplicates"] for _, answer in results)
    assert (accepted, duplicates) == (60, 20)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM kaifa_events")
        assert cursor.fetchone()[0] == 60
