"""What the ingest endpoints refuse, and that a refusal writes nothing: 400 naming each bad field,
401 without credentials, 403 without the provider's scope, 413 over the body limit."""

from __future__ import annotations

import pytest

from tests.conftest import load_fixture
from tests.ingest.conftest import post, row_counts

pytestmark = pytest.mark.django_db

SCADA = load_fixture("providers/scada_loss_of_voltage.json")
ONU = load_fixture("providers/onu_last_gasp.json")
KAIFA = load_fixture("providers/kaifa_power_outage.json")
KAIFA_XML = load_fixture("providers/kaifa_power_outage_two_meters.xml")
CREATED = "2025-10-01T06:15:29.870Z</ns2:createdDateTime>"
TICKET = load_fixture("providers/callcenter_ticket_plain.json")


def refused(client, provider, body, *, content_type=None) -> dict:
    """Post, expect 400, check nothing was written; the body's field errors."""
    before = row_counts()
    url = f"/api/ingest/{provider}/"
    if content_type:
        response = client.post(url, body, content_type=content_type)
    else:
        response = post(client, provider, body)
    assert response.status_code == 400, (response.status_code, response.content[:500])
    assert row_counts() == before
    return response.json()["errors"]


@pytest.mark.parametrize(
    ("provider", "body", "field"),
    [
        ("scada", {**SCADA, "timestamp": "2025-10-01T06:15:30"}, "timestamp"),
        ("scada", {**SCADA, "timestamp": "yesterday"}, "timestamp"),
        ("scada", {**SCADA, "timestamp": 1759299330}, "timestamp"),
        ("scada", {k: v for k, v in SCADA.items() if k != "timestamp"}, "timestamp"),
        ("scada", {k: v for k, v in SCADA.items() if k != "substationId"}, "substationId"),
        ("scada", {**SCADA, "substationId": ["SS001"]}, "substationId"),
        ("scada", {**SCADA, "voltage": "high"}, "voltage"),
        ("scada", {**SCADA, "coordinates": {"lat": 123, "lng": 35.9}}, "coordinates.lat"),
        ("scada", {**SCADA, "severity": {"level": 3}}, "severity"),
        ("scada", {"event": {**SCADA, "timestamp": "2025-13-01T00:00:00Z"}}, "event.timestamp"),
        ("onu", {**ONU, "timestamp": "2025-10-01 06:15:31"}, "timestamp"),
        ("onu", {k: v for k, v in ONU.items() if k != "eventId"}, "eventId"),
        ("onu", {**ONU, "associatedMeters": "M40000001"}, "associatedMeters"),
        ("onu", {**ONU, "onuId": None, "associatedMeters": []}, "onuId"),
        ("kaifa", {**KAIFA, "payload": {**KAIFA["payload"], "created_date_time": None}},
         "payload.created_date_time"),
        ("kaifa", {**KAIFA, "payload": {**KAIFA["payload"], "event_type": {}}},
         "payload.event_type.@ref"),
        ("kaifa", {k: v for k, v in KAIFA.items() if k != "header"}, "header"),
        ("call_center", {**TICKET, "customer": "M40000107"}, "customer"),
        ("call_center", {**TICKET, "timestamp": "2025-10-01T06:16:39.001"}, "timestamp"),
        ("call_center", {**TICKET, "customer": {"address": "somewhere"}}, "customer.meterNumber"),
        (
            "call_center",
            {"message": {"request": {"body": '{"ticketId": "T1", "timestamp": '}}},
            "message.request.body",
        ),
    ],
)  # fmt: skip
def test_bad_field_is_named_and_nothing_is_written(grid, ingest_client, provider, body, field):
    errors = refused(ingest_client, provider, body)

    assert field in errors, errors


def test_every_bad_field_is_named_at_once(grid, ingest_client):
    errors = refused(
        ingest_client, "scada", {"eventType": 5, "timestamp": "2025-10-01", "voltage": []}
    )

    assert {"eventType", "substationId", "timestamp", "voltage"} <= set(errors)
    assert "zone" in errors["timestamp"][0]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[1, 2]",
        b'"a string"',
        b'{"eventType": NaN}',
        b'{"voltage": 1e999}',
        b'{"eventType": "x\\u0000y"}',
        b'{"eventType": "\\ud800"}',
        b"\xff\xfe{}",
        b"[" * 100_000,
        b'{"a":' * 50 + b"1" + b"}" * 50,
    ],
)
def test_malformed_json_is_400(grid, ingest_client, body):
    for provider in ("scada", "onu", "kaifa", "call_center"):
        refused(ingest_client, provider, body, content_type="application/json")


@pytest.mark.parametrize(
    "xml",
    [
        "<soap:Envelope",
        KAIFA_XML.replace("<ns1:MessageID>msg_1759299332004_7</ns1:MessageID>", ""),
        KAIFA_XML.replace(CREATED, "soon</ns2:createdDateTime>"),
        KAIFA_XML.replace(CREATED, "2025-10-01T06:15:29</ns2:createdDateTime>"),
        KAIFA_XML.replace('<ns2:EndDeviceEventType ref="3.26.0.85"/>', ""),
        KAIFA_XML.replace("<ns2:mRID>evt_1759299332004_9</ns2:mRID>", ""),
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        "<a><b>no events</b></a>",
    ],
)  # fmt: skip
def test_malformed_or_incomplete_soap_is_400(grid, ingest_client, xml):
    errors = refused(ingest_client, "kaifa", xml, content_type="text/xml")

    assert errors


def test_soap_error_names_the_event_and_field(grid, ingest_client):
    xml = KAIFA_XML.replace("<ns2:mRID>evt_1759299332004_9</ns2:mRID>", "")

    errors = refused(ingest_client, "kaifa", xml, content_type="text/xml")

    assert "EndDeviceEvent[1].mRID" in errors


def test_no_credentials_is_401_and_writes_nothing(grid, api_client):
    before = row_counts()
    for provider, body in (
        ("scada", SCADA),
        ("onu", ONU),
        ("kaifa", KAIFA),
        ("call_center", TICKET),
    ):
        for suffix in ("", "batch/"):
            response = api_client.post(f"/api/ingest/{provider}/{suffix}", body, format="json")
            assert response.status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-key")
    assert api_client.post("/api/ingest/onu/", ONU, format="json").status_code == 401
    assert row_counts() == before


def test_token_without_the_provider_scope_is_403_and_writes_nothing(grid, token_client):
    client = token_client("ingest:onu", "read", "operate")
    before = row_counts()

    for provider, body in (("scada", SCADA), ("kaifa", KAIFA), ("call_center", TICKET)):
        assert post(client, provider, body).status_code == 403
        assert post(client, provider, {"events": [body]}, batch=True).status_code == 403
    assert row_counts() == before
    assert post(client, "onu", ONU).status_code == 201


def test_bearer_keyword_is_accepted(grid, db):
    from rest_framework.test import APIClient

    from oms.tokens import issue_token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token('hes', ['ingest:kaifa'])}")

    assert post(client, "kaifa", KAIFA).status_code == 201


def test_body_over_the_limit_is_413_and_writes_nothing(grid, ingest_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    before = row_counts()
    big = {"events": [ONU] * 20}

    assert post(ingest_client, "onu", big, batch=True).status_code == 413
    assert post(ingest_client, "onu", {**ONU, "padding": "x" * 3000}).status_code == 413
    response = ingest_client.post("/api/ingest/kaifa/", KAIFA_XML, content_type="text/xml")
    assert response.status_code == 413
    assert "detail" in response.json()
    assert row_counts() == before


def test_unknown_provider_is_400_for_a_client_and_401_without_credentials(
    grid, ingest_client, api_client
):
    response = ingest_client.post("/api/ingest/gis/", ONU, format="json")
    assert response.status_code == 400
    assert "provider" in response.json()["errors"]
    assert ingest_client.post("/api/ingest/gis/batch/", {}, format="json").status_code == 400
    assert api_client.post("/api/ingest/gis/", ONU, format="json").status_code == 401


def test_throttle_scope_is_ingest():
    from ingest.api.views import PROVIDER_VIEWS

    for single, batch in PROVIDER_VIEWS.values():
        assert single.throttle_scope == batch.throttle_scope == "ingest"


def test_throttled_client_gets_429_and_nothing_is_written(grid, ingest_client, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"ingest": "2/min"})
    assert post(ingest_client, "onu", ONU).status_code == 201
    assert post(ingest_client, "onu", ONU).status_code == 200
    before = row_counts()

    response = post(ingest_client, "onu", {**ONU, "eventId": "onu_throttled"})

    assert response.status_code == 429
    assert row_counts() == before
    cache.clear()
