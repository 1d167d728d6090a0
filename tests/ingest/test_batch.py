"""The batch path: valid events applied set-based, invalid ones reported by index, duplicates
counted, a batch cap; and the vocabulary decides what an event evidences."""

from __future__ import annotations

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ingest.models import KaifaEvent, OnuEvent, ScadaEvent, VocabularyTerm
from tests.conftest import load_fixture
from tests.ingest.conftest import meter_range, meters_off, post, row_counts

pytestmark = pytest.mark.django_db


def kaifa_event(n: int, *, asset: str | None = None, ref: str = "PowerOutage") -> dict:
    event = copy.deepcopy(load_fixture("providers/kaifa_power_outage.json"))
    event["header"]["message_id"] = f"msg_batch_{n}"
    event["payload"]["event_id"] = f"evt_batch_{n}"
    event["payload"]["assets"]["ns2:mRID"] = asset or f"M4{n:07d}"
    event["payload"]["usage_point"]["ns2:mRID"] = f"UP-batch-{n}"
    event["payload"]["event_type"]["@ref"] = ref
    return event


def test_batch_applies_the_valid_events_and_reports_the_invalid_by_index(grid, ingest_client):
    events = [kaifa_event(n) for n in range(41, 61)]  # DP003: twenty meters by meter number
    events[3] = {"header": {}, "payload": {}}
    events[7] = {**events[7], "payload": {**events[7]["payload"], "created_date_time": "now"}}
    events[11] = "<not-xml"

    response = post(ingest_client, "kaifa", {"events": events}, batch=True)

    assert response.status_code == 200
    answer = response.json()
    assert (answer["accepted"], answer["duplicates"]) == (17, 0)
    assert [item["index"] for item in answer["rejected"]] == [3, 7, 11]
    assert "payload.created_date_time" in answer["rejected"][1]["errors"]
    assert answer["statuses"] == {"processed": 17, "unmatched": 0, "ignored": 0, "stale": 0}
    assert KaifaEvent.objects.count() == 17
    assert meter_range(41, 60) - {"M40000044", "M40000048", "M40000052"} <= meters_off()


def test_kaifa_batch_items_may_be_soap_messages(grid, ingest_client):
    xml = load_fixture("providers/kaifa_power_outage_two_meters.xml")

    answer = post(ingest_client, "kaifa", {"events": [xml, kaifa_event(5)]}, batch=True).json()

    assert (answer["accepted"], answer["rejected"]) == (3, [])
    assert meters_off() == {"M40000003", "M40000004", "M40000005"}


def test_batch_goes_through_the_engine_once(grid, ingest_client):
    events = [kaifa_event(n) for n in range(81, 121)]

    with CaptureQueriesContext(connection) as queries:
        answer = post(ingest_client, "kaifa", {"events": events}, batch=True).json()

    assert answer["accepted"] == 40
    engine_calls = [
        q for q in queries.captured_queries if "outages_apply_meter_evidence" in q["sql"]
    ]
    assert len(engine_calls) == 1
    # Token lookup, vocabulary, insert, one lookup per identifier kind, engine, update: bounded
    # whatever the batch size.
    assert len(queries.captured_queries) <= 15


def test_scada_batch(grid, ingest_client):
    loss = load_fixture("providers/scada_loss_of_voltage.json")
    legacy = load_fixture("providers/scada_breaker_trip_legacy.json")
    events = [loss, {**legacy, "timestamp": "2025-09-30T10:00:00"}, legacy, loss]

    answer = post(ingest_client, "scada", {"events": events}, batch=True).json()

    assert (answer["accepted"], answer["duplicates"]) == (2, 1)
    assert [item["index"] for item in answer["rejected"]] == [1]
    assert meters_off() == meter_range(1, 80)
    assert ScadaEvent.objects.count() == 2


def test_call_center_batch_mixes_the_three_forms(grid, ingest_client):
    events = [
        load_fixture("providers/callcenter_ticket.json"),
        load_fixture("providers/callcenter_ticket_plain.json"),
        load_fixture("real-feed-samples/call_center_event_20250924_135131_572280_p0_o2.json"),
        {"ticketId": "no-time", "customer": {"meterNumber": "M40000001"}},
    ]

    answer = post(ingest_client, "call_center", {"events": events}, batch=True).json()

    assert answer["accepted"] == 3
    assert answer["statuses"] == {"processed": 2, "unmatched": 1, "ignored": 0, "stale": 0}
    assert answer["rejected"] == [
        {"index": 3, "errors": {"timestamp": ["This field is required."]}}
    ]


@pytest.mark.parametrize(
    "body",
    [{"events": "many"}, {"event": []}, [], {"events": [{}] * 5001}],
)
def test_batch_shape_and_cap(grid, ingest_client, body):
    before = row_counts()

    response = post(ingest_client, "onu", body, batch=True)

    assert response.status_code == 400
    assert "events" in response.json()["errors"]
    assert row_counts() == before


def test_empty_batch_is_fine(grid, ingest_client):
    answer = post(ingest_client, "onu", {"events": []}, batch=True).json()

    assert answer == {
        "accepted": 0,
        "duplicates": 0,
        "rejected": [],
        "statuses": {"processed": 0, "unmatched": 0, "ignored": 0, "stale": 0},
    }


def test_an_unknown_code_is_stored_and_ignored(grid, ingest_client):
    alarm = {**load_fixture("providers/onu_last_gasp.json"), "type": "ONU_LinkFlap"}
    alarm["alarmData"] = {"alarmType": "los"}

    answer = post(ingest_client, "onu", alarm).json()

    assert answer["status"] == "ignored"
    assert answer["outage_event_id"] is None
    assert meters_off() == set()
    row = OnuEvent.objects.get()
    assert (row.processing_status, row.evidence) == ("ignored", "none")


def test_vocabulary_is_data_and_case_insensitive(grid, ingest_client):
    VocabularyTerm.objects.create(provider="kaifa", field="EndDeviceEventType", code="3.26.38.85",
                                  evidence="off")  # fmt: skip

    new_code = post(ingest_client, "kaifa", kaifa_event(7, ref="3.26.38.85")).json()
    shouted = post(ingest_client, "kaifa", kaifa_event(8, ref="POWEROUTAGE")).json()

    assert new_code["events"][0]["status"] == "processed"
    assert shouted["events"][0]["status"] == "processed"
    assert {"M40000007", "M40000008"} <= meters_off()


def test_scada_severity_is_normalized(grid, ingest_client):
    event = {**load_fixture("providers/scada_loss_of_voltage.json"), "severity": "MAJOR"}

    post(ingest_client, "scada", event)

    assert ScadaEvent.objects.get().severity == "high"


@pytest.mark.parametrize("count", [1, 3])
def test_scada_events_the_sql_function_refuses_are_reported_not_raised(grid, count):
    from ingest.actions import ingest_scada_events

    good = load_fixture("providers/scada_loss_of_voltage.json")
    events = [{**good, "substationId": ""}] + [good] * (count - 1)

    outcome, refused = ingest_scada_events(events)

    assert list(refused) == [0]
    assert "substationId" in refused[0]["body"][0]
    assert outcome.new == (1 if count > 1 else 0)
    assert ScadaEvent.objects.count() == outcome.new
