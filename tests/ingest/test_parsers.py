"""Parsers alone: envelopes, XML variants, timestamps. No database."""

from __future__ import annotations

import orjson
import pytest

from ingest.parsers import (
    PayloadError,
    loads,
    parse_call_center,
    parse_kaifa_json,
    parse_kaifa_xml,
    parse_onu,
    parse_scada,
)
from ingest.parsers.common import parse_timestamp
from tests.conftest import load_fixture

ONU = load_fixture("providers/onu_last_gasp.json")
KAIFA = load_fixture("providers/kaifa_power_outage.json")
SCADA = load_fixture("providers/scada_loss_of_voltage.json")


def wrapped(key: str, event: dict) -> dict:
    """The real feed samples' consumer wrapper."""
    return {"received_at": "2025-09-24T08:02:06.812063", "kafka_partition": 2,
            "kafka_offset": 2, key: event, "source": "x"}  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-10-01T06:15:30Z", "2025-10-01T06:15:30+00:00"),
        ("2025-10-01T09:15:30.5+03:00", "2025-10-01T06:15:30.500000+00:00"),
        ("2025-10-01 09:15:30+0300", "2025-10-01T06:15:30+00:00"),
        ("2025-10-01t06:15:30.123456789z", "2025-10-01T06:15:30.123456+00:00"),
    ],
)
def test_timestamps_with_a_zone(raw, expected):
    assert parse_timestamp(raw)[0].isoformat() == expected


@pytest.mark.parametrize(
    "raw", ["2025-10-01T06:15:30", "2025-10-01", "2025-W40-3T06:15Z", "0000-01-01T00:00:00Z",
            "2025-02-30T00:00:00Z", "9999-12-31T23:59:59-01:00", "now"],
)  # fmt: skip
def test_timestamps_refused(raw):
    parsed, reason = parse_timestamp(raw)
    assert parsed is None and reason


def test_onu_in_the_real_feed_wrapper_and_kafka_envelope():
    for payload in (wrapped("event", ONU), {"topic": "onu", "event": ONU}, wrapped("message", ONU)):
        event = parse_onu(payload)
        assert event.source_event_id == "onu_1759299330120_a1b2c3"
        assert orjson.loads(event.raw_payload) == payload


def test_kaifa_json_in_envelope_without_namespace_prefixes():
    payload = {k: v for k, v in KAIFA.items()}
    payload["payload"] = {
        **KAIFA["payload"],
        "assets": {"mRID": "KFM-1"},
        "event_type": "3.26.0.85",
    }

    (event,) = parse_kaifa_json({"topic": "hes", "event": payload})

    assert event.columns["asset_mrid"] == "KFM-1"
    assert event.event_type == "3.26.0.85"


def test_scada_envelope_kept_around_the_event():
    clean = parse_scada(wrapped("event", {**SCADA, "severity": "Critical"}))

    assert clean["kafka_offset"] == 2
    assert clean["event"]["severity"] == "Critical"  # as sent: the engine normalizes it


def test_scada_in_a_message_wrapper_is_unwrapped():
    assert parse_scada(wrapped("message", SCADA))["substationId"] == "SS001"


def test_call_center_bare_http_capture():
    body = '{"ticketId": "T9", "timestamp": "2025-09-24T13:51:31Z", "customer": {"phone": "1"}}'

    event = parse_call_center({"request": {"body": body}, "notes": "outer"})

    assert event.source_event_id == "T9"
    assert event.match_tiers == [[("phone", "1")]]


def test_call_center_keeps_both_notes():
    ticket = {**load_fixture("providers/callcenter_ticket_plain.json")}
    ticket["customer"] = {**ticket["customer"], "notes": "Gate code 12"}

    assert parse_call_center(ticket).columns["notes"] == (
        "Lights flickered then went out\nGate code 12"
    )


SOAP_DEFAULT_NS = """<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>
<EventMessage xmlns="http://iec.ch/TC57/2011/schema/message"><Header><MessageID>m1</MessageID>
</Header><Payload><EndDeviceEvents xmlns="http://iec.ch/TC57/2011/EndDeviceEvents#">
<EndDeviceEvent><mRID>e1</mRID><createdDateTime>2025-10-01T06:15:29+03:00</createdDateTime>
<EndDeviceEventType>3.26.0.85</EndDeviceEventType><UsagePoint><mRID>UP-1</mRID></UsagePoint>
<EndDeviceEventDetails><name>Voltage</name><value>0V</value></EndDeviceEventDetails>
</EndDeviceEvent></EndDeviceEvents></Payload></EventMessage></Body></Envelope>"""


def test_soap_with_default_namespaces_and_a_usage_point_only():
    (event,) = parse_kaifa_xml(SOAP_DEFAULT_NS.encode())

    assert event.source_event_id == "m1/e1"
    assert event.event_time.isoformat() == "2025-10-01T03:15:29+00:00"
    assert event.event_type == "3.26.0.85"
    assert event.match_tiers == [[("usage_point_mrid", "UP-1")]]
    assert orjson.loads(event.raw_payload)["event"]["EndDeviceEventDetails"] == {
        "name": "Voltage",
        "value": "0V",
    }


def test_soap_entity_expansion_is_refused():
    bomb = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">]><l>&a;&a;</l>'

    with pytest.raises(PayloadError):
        parse_kaifa_xml(bomb.encode())


def test_loads_refuses_what_postgresql_cannot_store():
    for text in ('{"a": "\\u0000"}', '{"a": NaN}', '{"a": 1e400}', '{"\\udfff": 1}'):
        with pytest.raises(PayloadError):
            loads(text)
