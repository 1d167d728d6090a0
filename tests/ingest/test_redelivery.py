"""Idempotency by each feed's natural key: a re-delivery answers 200 with the first body and
applies nothing a second time (no audit row, outage source, timeline entry or raw row)."""

from __future__ import annotations

import pytest

from outages.models import Outage
from tests.conftest import load_fixture
from tests.ingest.conftest import post, post_fixture, row_counts

pytestmark = pytest.mark.django_db

KINDS = [
    "providers/scada_loss_of_voltage.json",
    "providers/scada_kafka_envelope.json",
    "providers/onu_last_gasp.json",
    "providers/kaifa_power_outage.json",
    "providers/kaifa_power_outage_two_meters.xml",
    "providers/callcenter_ticket.json",
    "providers/callcenter_ticket_plain.json",
    "real-feed-samples/call_center_event_20250924_135131_572280_p0_o2.json",
    "real-feed-samples/scada_event_20250924_080206_810295_unknown.json",
]


def without_duplicate_flags(answer: dict) -> dict:
    answer = {key: value for key, value in answer.items() if key != "duplicate"}
    if "events" in answer:
        answer["events"] = [without_duplicate_flags(event) for event in answer["events"]]
    return answer


@pytest.mark.parametrize("name", KINDS)
def test_redelivery_answers_200_with_the_same_body_and_changes_nothing(grid, ingest_client, name):
    first = post_fixture(ingest_client, name)
    assert first.status_code == 201
    before = row_counts()
    confidence = dict(Outage.objects.values_list("event_id", "confidence_score"))

    again = post_fixture(ingest_client, name)

    assert again.status_code == 200, again.json()
    assert without_duplicate_flags(again.json()) == without_duplicate_flags(first.json())
    assert again.json()["duplicate"] is True
    for event in again.json().get("events", []):
        assert event["duplicate"] is True
    assert row_counts() == before
    assert dict(Outage.objects.values_list("event_id", "confidence_score")) == confidence


def test_scada_redelivery_with_an_event_id_is_keyed_by_it(grid, ingest_client):
    event = {**load_fixture("providers/scada_loss_of_voltage.json"), "eventId": "SCADA-77"}
    first = post(ingest_client, "scada", event)
    # Same eventId, a different timestamp: still the same event.
    again = post(ingest_client, "scada", {**event, "timestamp": "2025-10-01T06:15:31Z"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["source_event_id"] == "SCADA-77"


def test_redelivery_inside_one_batch_is_counted_as_duplicate(grid, ingest_client):
    gasp = load_fixture("providers/onu_last_gasp.json")
    before = row_counts()

    answer = post(ingest_client, "onu", {"events": [gasp, gasp]}, batch=True).json()

    assert (answer["accepted"], answer["duplicates"], answer["rejected"]) == (1, 1, [])
    after = row_counts()
    assert after["onu_events"] == before["onu_events"] + 1
    assert after["oms_meter_status_events"] == before["oms_meter_status_events"] + 2


def test_batch_redelivery_of_single_events_applies_nothing(grid, ingest_client):
    post_fixture(ingest_client, "providers/kaifa_power_outage.json")
    post_fixture(ingest_client, "providers/onu_last_gasp.json")
    before = row_counts()

    kaifa = post(
        ingest_client,
        "kaifa",
        {"events": [load_fixture("providers/kaifa_power_outage.json")]},
        batch=True,
    ).json()
    onu = post(
        ingest_client, "onu", {"events": [load_fixture("providers/onu_last_gasp.json")]}, batch=True
    ).json()

    assert (kaifa["accepted"], kaifa["duplicates"]) == (0, 1)
    assert (onu["accepted"], onu["duplicates"]) == (0, 1)
    assert row_counts() == before
