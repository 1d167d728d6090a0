"""Payloads an attacker or a careless integrator sends: each ends with 400 before anything is
applied, or is stored whole; a batch refuses only the events that are bad, by index."""

from __future__ import annotations

import copy
import json

import pytest
from django.db import connection

from ingest.models import CallCenterTicket, KaifaEvent, OnuEvent
from tests.conftest import load_fixture
from tests.ingest.conftest import meters_off, post, row_counts

pytestmark = pytest.mark.django_db

ONU = load_fixture("providers/onu_last_gasp.json")
KAIFA = load_fixture("providers/kaifa_power_outage.json")
KAIFA_XML = load_fixture("providers/kaifa_power_outage_two_meters.xml")
TICKET = load_fixture("providers/callcenter_ticket_plain.json")
SCADA = load_fixture("providers/scada_loss_of_voltage.json")
EVENTS = {"onu": ONU, "kaifa": KAIFA, "call_center": TICKET, "scada": SCADA}
MODELS = {"onu": OnuEvent, "kaifa": KaifaEvent, "call_center": CallCenterTicket}


def nested(levels: int):
    value: object = "deep"
    for _ in range(levels):
        value = {"x": value}
    return value


def refused(client, provider, body, *, content_type="application/json") -> dict:
    before, off = row_counts(), meters_off()
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    response = client.post(f"/api/ingest/{provider}/", data, content_type=content_type)
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert row_counts() == before
    assert meters_off() == off
    return response.json()["errors"]


@pytest.mark.parametrize("provider", ["onu", "kaifa", "call_center", "scada"])
def test_an_extra_field_nested_too_deep_is_refused_before_anything_is_applied(
    grid, ingest_client, provider
):
    body = {**copy.deepcopy(EVENTS[provider]), "extra": nested(300)}

    errors = refused(ingest_client, provider, body)

    assert "body" in errors
    assert "nested" in errors["body"][0] or "Recursion" in errors["body"][0]
    # A re-send is refused the same way: nothing half written to heal.
    refused(ingest_client, provider, body)


@pytest.mark.parametrize("provider", ["onu", "kaifa", "call_center"])
def test_an_extra_field_nested_deep_but_storable_is_stored_whole(grid, ingest_client, provider):
    body = {**copy.deepcopy(EVENTS[provider]), "extra": nested(200)}

    response = post(ingest_client, provider, body)

    assert response.status_code == 201, response.content[:300]
    row = MODELS[provider].objects.get()
    assert row.raw_payload["extra"] == nested(200)
    assert post(ingest_client, provider, body).status_code == 200


@pytest.mark.parametrize(
    ("provider", "body", "field"),
    [
        ("onu", {**ONU, "nmsType": "U2000\u0000"}, "nmsType"),
        ("call_center", {**TICKET, "customer": {**TICKET["customer"], "notes": "a\u0000"}},
         "customer.notes"),
        ("kaifa", {**KAIFA, "header": {**KAIFA["header"], "source": "x\u0000"}}, "header.source"),
        ("scada", {**SCADA, "reason": "trip\u0000"}, "reason"),
        ("onu", {**ONU, "extra": [1, {"k\u0000": 1}]}, "extra[1].k\u0000"),
    ],
)  # fmt: skip
def test_nul_in_one_field_is_refused_naming_that_field(grid, ingest_client, provider, body, field):
    errors = refused(ingest_client, provider, body)

    assert field in errors, errors


def test_a_lone_surrogate_is_refused_naming_its_field(grid, ingest_client):
    text = json.dumps(ONU)[:-1] + ', "onuSerial": "\\ud800"}'

    errors = refused(ingest_client, "onu", text)

    assert "onuSerial" in errors, errors


def _batch(client, provider: str, text: bytes) -> dict:
    response = client.post(f"/api/ingest/{provider}/batch/", text, content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    return response.json()


def _onu(n: int) -> dict:
    event = {key: value for key, value in ONU.items() if key != "onuId"}
    return {**event, "eventId": f"onu_hostile_{n}", "associatedMeters": [f"M4{n:07d}"]}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (b'"nmsType": "x\\u0000y"', "nmsType"),
        (b'"nmsType": "\\udc00"', "nmsType"),
        (b'"nmsType": "caf\xe9"', "nmsType"),  # latin-1, not UTF-8
        (b'"extra": ' + json.dumps(nested(300)).encode(), "body"),
    ],
)
def test_a_bad_character_in_one_event_of_a_batch_is_reported_by_its_index(
    grid, ingest_client, bad, field
):
    events = [json.dumps(_onu(n)).encode() for n in (1, 2, 3)]
    events[1] = events[1][:-1] + b", " + bad + b"}"
    before = row_counts()

    answer = _batch(ingest_client, "onu", b'{"events": [' + b", ".join(events) + b"]}")

    assert answer["accepted"] == 2
    assert [item["index"] for item in answer["rejected"]] == [1]
    assert field in answer["rejected"][0]["errors"], answer["rejected"]
    assert set(OnuEvent.objects.values_list("source_event_id", flat=True)) == {
        "onu_hostile_1",
        "onu_hostile_3",
    }
    assert row_counts()["onu_events"] == before["onu_events"] + 2
    assert meters_off() == {"M40000001", "M40000003"}


@pytest.mark.parametrize(
    "body",
    [
        b'{"voltage": 1e400}',
        b'{"eventId": "a", "n": 1' + b"0" * 5000 + b"}",
        b"[" * 2000 + b"]" * 2000,
    ],
)
def test_numbers_or_nesting_json_cannot_hold_are_400(grid, ingest_client, body):
    for provider in ("scada", "onu", "kaifa", "call_center"):
        refused(ingest_client, provider, body)


@pytest.mark.parametrize("voltage", [1e308, -1e308, 1e12])
def test_a_voltage_out_of_range_is_400(grid, ingest_client, voltage):
    errors = refused(ingest_client, "scada", {**SCADA, "voltage": voltage})

    assert "voltage" in errors


def test_kaifa_assets_given_as_a_string_is_400(grid, ingest_client):
    body = {**KAIFA, "payload": {**KAIFA["payload"], "assets": "KFM-00077125"}}

    errors = refused(ingest_client, "kaifa", body)

    assert "payload.assets" in errors


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("http://iec.ch/TC57/2011/EndDeviceEvents#", "http://example.com/events", "EndDeviceEvent"),
        ("http://iec.ch/TC57/2011/schema/message", "urn:other", "Header"),
        ("http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope",
         "Envelope"),
    ],
)  # fmt: skip
def test_kaifa_soap_in_a_wrong_namespace_is_400(grid, ingest_client, old, new, field):
    errors = refused(ingest_client, "kaifa", KAIFA_XML.replace(old, new), content_type="text/xml")

    assert field in errors, errors


def _soap_with(events: int) -> str:
    start = KAIFA_XML.index("<ns2:EndDeviceEvent>")
    end = KAIFA_XML.index("</ns2:EndDeviceEvent>") + len("</ns2:EndDeviceEvent>")
    one = KAIFA_XML[start:end]
    many = "".join(one.replace("evt_1759299332004_8", f"evt_many_{n}") for n in range(events))
    last = KAIFA_XML.rindex("</ns2:EndDeviceEvent>") + len("</ns2:EndDeviceEvent>")
    return KAIFA_XML[:start] + many + KAIFA_XML[last:]


def test_one_soap_message_holds_at_most_the_batch_limit(grid, ingest_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

    errors = refused(ingest_client, "kaifa", _soap_with(5001), content_type="text/xml")

    assert "Payload.EndDeviceEvents.EndDeviceEvent" in errors


def test_soap_nested_too_deep_is_400(grid, ingest_client):
    deep = "<a>" * 5000 + "</a>" * 5000
    xml = KAIFA_XML.replace("<ns2:reason>Power Outage</ns2:reason>", deep, 1)

    errors = refused(ingest_client, "kaifa", xml, content_type="text/xml")

    assert "body" in errors


def test_kaifa_batch_of_soap_strings_reports_the_wrong_namespace_by_index(grid, ingest_client):
    bad = KAIFA_XML.replace("http://iec.ch/TC57/2011/EndDeviceEvents#", "urn:x")
    body = json.dumps({"events": [KAIFA, bad]}).encode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM kaifa_events")
        (before,) = cursor.fetchone()

    answer = _batch(ingest_client, "kaifa", body)

    assert (answer["accepted"], [r["index"] for r in answer["rejected"]]) == (1, [1])
    assert KaifaEvent.objects.count() == before + 1


@pytest.mark.parametrize(
    ("provider", "body", "field"),
    [
        ("onu", {**ONU, "timestamp": "2025-10-01T06:15:31+14:30"}, "timestamp"),
        ("scada", {**SCADA, "timestamp": "2025-10-01T06:15:30-16:00"}, "timestamp"),
        ("call_center", {**TICKET, "timestamp": "2025-10-01T06:16:39+23:59"}, "timestamp"),
        ("kaifa", {**KAIFA, "payload": {**KAIFA["payload"],
                                        "created_date_time": "2025-10-01T06:15:29-15:00"}},
         "payload.created_date_time"),
    ],
)  # fmt: skip
def test_an_event_time_offset_beyond_14_hours_is_400(grid, ingest_client, provider, body, field):
    errors = refused(ingest_client, provider, body)

    assert field in errors, errors
    assert "14:00" in errors[field][0]
