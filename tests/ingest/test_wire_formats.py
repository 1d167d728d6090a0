"""One wire format per feed: what the OpenAPI schema calls required is what the parser refuses
without; severity words live in one place (the engine's ingest_normalized_severity) and the raw
row keeps the feed's own word; `processed_at` means the same for every feed (NULL while an event
waits unmatched, set once the engine has applied or ignored it)."""

from __future__ import annotations

import copy

import pytest
from django.db import connection
from rest_framework import serializers

from ingest.api.serializers import (
    CallCenterTicketSerializer,
    KaifaEventSerializer,
    OnuEventSerializer,
    ScadaEventSerializer,
)
from ingest.models import CallCenterTicket, KaifaEvent, OnuEvent, ScadaEvent
from ingest.parsers import (
    PayloadError,
    parse_call_center,
    parse_kaifa_json,
    parse_onu,
    parse_scada,
)
from tests.conftest import load_fixture
from tests.ingest.conftest import post

FEEDS = {
    "scada": (ScadaEventSerializer, parse_scada, "providers/scada_loss_of_voltage.json"),
    "onu": (OnuEventSerializer, parse_onu, "providers/onu_last_gasp.json"),
    "kaifa": (KaifaEventSerializer, parse_kaifa_json, "providers/kaifa_power_outage.json"),
    "call_center": (
        CallCenterTicketSerializer,
        parse_call_center,
        "providers/callcenter_ticket_plain.json",
    ),
}


def _key(data: dict, name: str) -> str | None:
    """The payload's key for a schema field (flattened KAIFA keys may keep an `ns2:` prefix)."""
    return next((key for key in data if key == name or key.rsplit(":", 1)[-1] == name), None)


def schema_fields(serializer, data: dict, path: tuple = ()):
    """(path, required) of every field of the schema the fixture carries, nested ones too."""
    for name, field in serializer.fields.items():
        key = _key(data, name)
        if key is None:
            continue
        yield (*path, key), field.required
        if isinstance(field, serializers.Serializer) and isinstance(data[key], dict):
            yield from schema_fields(field, data[key], (*path, key))


def replaced(payload: dict, path: tuple, value) -> dict:
    payload = copy.deepcopy(payload)
    holder = payload
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return payload


def text_limits(serializer, data: dict, path: tuple = ()):
    """(path, max_length) of every string field of the schema that the fixture carries."""
    for name, field in serializer.fields.items():
        key = _key(data, name)
        if key is None:
            continue
        if isinstance(field, serializers.CharField) and isinstance(data[key], str | int):
            yield (*path, key), field.max_length
        if isinstance(field, serializers.Serializer) and isinstance(data[key], dict):
            yield from text_limits(field, data[key], (*path, key))


def refused_fields(parse, payload) -> set[str]:
    try:
        parse(payload)
    except PayloadError as error:
        return set(error.errors)
    return set()


def without(payload: dict, path: tuple) -> dict:
    payload = copy.deepcopy(payload)
    holder = payload
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return payload


def refuses(parse, payload) -> bool:
    try:
        parse(payload)
    except PayloadError:
        return True
    return False


@pytest.mark.parametrize("feed", FEEDS)
def test_the_schema_requires_what_the_parser_requires(feed):
    serializer, parse, fixture = FEEDS[feed]
    payload = load_fixture(fixture)
    assert not refuses(parse, payload)
    disagreements = [
        ".".join(path)
        for path, required in schema_fields(serializer(), payload)
        if refuses(parse, without(payload, path)) != required
    ]
    assert disagreements == [], f"schema and parser disagree on {disagreements}"


def test_scada_severity_words_have_one_home_and_the_raw_row_keeps_the_feeds_word(
    grid, ingest_client
):
    event = {**load_fixture("providers/scada_loss_of_voltage.json"), "severity": " MAJOR"}
    assert post(ingest_client, "scada", event).status_code == 201
    row = ScadaEvent.objects.get()
    assert row.severity == "high"
    assert row.raw_payload["severity"] == " MAJOR"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w, ingest_normalized_severity(w) FROM unnest(%s::text[]) w",
            [["Critical", "fatal", "SEVERE", "minor", "warning", "info", "whatever", None]],
        )
        assert dict(cursor.fetchall()) == {
            "Critical": "critical",
            "fatal": "critical",
            "SEVERE": "high",
            "minor": "low",
            "warning": "low",
            "info": "low",
            "whatever": "medium",
            None: "medium",
        }


UNMATCHED = {
    "scada": (
        ScadaEvent,
        {**load_fixture("providers/scada_loss_of_voltage.json"), "feederId": "FD404"},
    ),
    "onu": (
        OnuEvent,
        {
            **load_fixture("providers/onu_last_gasp.json"),
            **{"eventId": "onu-404", "onuId": "404", "associatedMeters": ["M404"]},
        },
    ),
    "call_center": (
        CallCenterTicket,
        {
            **load_fixture("providers/callcenter_ticket_plain.json"),
            **{"ticketId": "TC-404", "customer": {"meterNumber": "M404"}},
        },
    ),
}


@pytest.mark.parametrize("feed", UNMATCHED)
def test_processed_at_is_null_while_unmatched_and_set_once_applied(grid, ingest_client, feed):
    model, unknown = UNMATCHED[feed]
    answer = post(ingest_client, feed, unknown).json()
    assert answer["status"] == "unmatched", answer
    _, _, fixture = FEEDS[feed]
    assert post(ingest_client, feed, load_fixture(fixture)).json()["status"] == "processed"
    rows = dict(model.objects.values_list("processing_status", "processed_at"))
    assert rows["unmatched"] is None
    assert rows["processed"] is not None


def test_a_kaifa_event_for_an_unknown_meter_waits_unprocessed(grid, ingest_client):
    payload = load_fixture("providers/kaifa_power_outage.json")
    payload["payload"]["assets"] = {"ns2:mRID": "KFM-404"}
    payload["payload"]["usage_point"] = {"ns2:mRID": "UP-404"}
    assert post(ingest_client, "kaifa", payload).json()["events"][0]["status"] == "unmatched"
    assert KaifaEvent.objects.get().processed_at is None


@pytest.mark.parametrize("feed", FEEDS)
def test_the_schema_limits_strings_where_the_parser_does(feed):
    """A string of the schema's max_length is accepted, one longer refused naming that field;
    a field the schema leaves unbounded takes 10,000 characters (the raw row keeps it whole)."""
    serializer, parse, fixture = FEEDS[feed]
    payload = load_fixture(fixture)
    disagreements = []
    for path, limit in text_limits(serializer(), payload):
        name = ".".join(key.rsplit(":", 1)[-1] for key in path)
        longest = limit or 10_000
        if name in refused_fields(parse, replaced(payload, path, "x" * longest)):
            disagreements.append(f"{name}: {longest} refused")
        if limit and name not in refused_fields(parse, replaced(payload, path, "x" * (limit + 1))):
            disagreements.append(f"{name}: {limit + 1} accepted")
    assert disagreements == [], disagreements
