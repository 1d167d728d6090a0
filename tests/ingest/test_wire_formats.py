"""One wire format per feed, declared once (ingest/parsers/fields.py) and read by both the
parser and the OpenAPI schema: what the schema calls required is what the parser refuses
without, its limits are the parser's. Severity words live in one place (the engine's
ingest_normalized_severity) and the raw row keeps the feed's own word; `processed_at` means the
same for every feed (NULL while an event waits unmatched, set once the engine has processed,
ignored or found it stale)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

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
    call_center,
    kaifa,
    onu,
    parse_call_center,
    parse_kaifa_json,
    parse_onu,
    parse_scada,
    scada,
)
from ingest.parsers.fields import Object, Ref, Text
from outages.models import Severity
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


# The words ingest_normalized_severity knows (its one list), and one it does not.
WORDS = ["critical", "emergency", "fatal", "high", "major", "severe", "low", "minor", "info"]
WORDS += ["warning", "medium", "unheard-of"]


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
        # Every word the engine can make is an outage's severity (outages.models.Severity).
        cursor.execute("SELECT ingest_normalized_severity(w) FROM unnest(%s::text[]) w", [WORDS])
        assert {word for (word,) in cursor.fetchall()} == set(Severity.values)


def _stamped(feed: str, payload: dict, at: str) -> dict:
    payload = copy.deepcopy(payload)
    if feed == "kaifa":
        payload["payload"]["created_date_time"] = at
    else:
        payload["timestamp"] = at
    return payload


def _ago(**delta) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


SCADA = load_fixture("providers/scada_loss_of_voltage.json")
ONU = load_fixture("providers/onu_last_gasp.json")
KAIFA = load_fixture("providers/kaifa_power_outage.json")
TICKET = load_fixture("providers/callcenter_ticket_plain.json")


def _kaifa(event_id: str, **payload) -> dict:
    return {**KAIFA, "payload": {**KAIFA["payload"], "event_id": event_id, **payload}}


# Per feed: an event of a device or meter the registry does not know, one whose code says
# nothing of supply (a call has no code: it is always a report), and a re-keyed copy of the
# fixture for the stale case.
VARIANTS = {
    "scada": (
        {**SCADA, "feederId": "FD404"},
        {**SCADA, "eventType": "MV_AlarmDoorOpen", "alarmType": "door"},
        {**SCADA, "eventId": "scada-late"},
    ),
    "onu": (
        {**ONU, "eventId": "onu-404", "onuId": "404", "associatedMeters": ["M404"]},
        {**ONU, "eventId": "onu-door", "type": "ONU_DoorOpen", "alarmData": {}},
        {**ONU, "eventId": "onu-late"},
    ),
    "kaifa": (
        _kaifa("unknown", assets={"ns2:mRID": "KFM-404"}, usage_point={"ns2:mRID": "UP-404"}),
        _kaifa("tamper", event_type={"@ref": "TamperDetected"}),
        _kaifa("late"),
    ),
    "call_center": (
        {**TICKET, "ticketId": "TC-404", "customer": {"meterNumber": "M404"}},
        None,
        {**TICKET, "ticketId": "TC-late"},
    ),
}
MODELS = {
    "scada": ScadaEvent,
    "onu": OnuEvent,
    "kaifa": KaifaEvent,
    "call_center": CallCenterTicket,
}


def _status(answer: dict) -> str:
    return answer["events"][0]["status"] if "events" in answer else answer["status"]


@pytest.mark.parametrize("feed", FEEDS)
def test_processed_at_is_null_while_unmatched_and_set_for_every_outcome(grid, ingest_client, feed):
    """For every feed alike: NULL while an event waits unmatched (a replay may still apply it),
    the time the engine decided once it is processed, ignored or stale."""
    unknown, ignored, late = VARIANTS[feed]
    _, _, fixture = FEEDS[feed]
    sent = [(unknown, "unmatched"), (load_fixture(fixture), "processed")]
    if ignored is not None:
        sent.append((ignored, "ignored"))
    # An event a month behind the newest applied one is stale (CONTRACT §12).
    sent.append((ONU | {"eventId": "frontier", "timestamp": _ago(minutes=1)}, None))
    sent.append((_stamped(feed, late, _ago(days=30)), "stale"))
    for payload, status in sent:
        answer = post(ingest_client, "onu" if status is None else feed, payload).json()
        assert status is None or _status(answer) == status, answer
    rows = dict(
        MODELS[feed].objects.exclude(source_event_id="frontier")
        .values_list("processing_status", "processed_at")
    )  # fmt: skip
    assert set(rows) == {status for _, status in sent if status}
    assert {status: moment is not None for status, moment in rows.items()} == {
        status: status != "unmatched" for status in rows
    }


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


WIRES = {"scada": scada.WIRE, "onu": onu.WIRE, "kaifa": kaifa.WIRE, "call_center": call_center.WIRE}


def declared(obj: Object, path: tuple = ()):
    """(path, declaration) of every field a wire format declares, nested ones too."""
    for name, spec in obj.fields.items():
        if isinstance(spec, Object):
            yield from declared(spec, (*path, name))
        else:
            yield (*path, name), spec


def put(payload: dict, path: tuple, value) -> dict:
    """The payload with `value` at `path`, objects made on the way (a prefixed key kept)."""
    payload = copy.deepcopy(payload)
    holder = payload
    for key in path[:-1]:
        holder = holder.setdefault(_key(holder, key) or key, {})
    holder[_key(holder, path[-1]) or path[-1]] = value
    return payload


@pytest.mark.parametrize("feed", FEEDS)
def test_every_declared_field_is_read_as_declared(feed):
    """Each field the format declares, the fixture's or not: a string at its limit is taken, one
    past it refused naming the field, an unbounded one takes 10,000 characters (required ones
    are all in the fixtures, and held to the schema by the first test)."""
    _, parse, fixture = FEEDS[feed]
    payload = load_fixture(fixture)
    disagreements = []
    for path, spec in declared(WIRES[feed]):
        name = ".".join(path)
        if isinstance(spec, Text | Ref):
            wrap = (lambda text: {"@ref": text}) if isinstance(spec, Ref) else (lambda text: text)
            named = f"{name}.@ref" if isinstance(spec, Ref) else name
            longest = spec.max_length or 10_000
            if named in refused_fields(parse, put(payload, path, wrap("x" * longest))):
                disagreements.append(f"{named}: {longest} refused")
            past = spec.max_length and put(payload, path, wrap("x" * (spec.max_length + 1)))
            if past and named not in refused_fields(parse, past):
                disagreements.append(f"{named}: {spec.max_length + 1} accepted")
    assert disagreements == [], disagreements


@pytest.mark.django_db
def test_the_served_schema_is_the_parsers_declarations(api_client):
    components = api_client.get("/api/schema/", {"format": "json"}).json()["components"]
    for wire in WIRES.values():
        schema = components["schemas"][wire.name]
        assert list(schema["properties"]) == list(wire.fields)
        assert set(schema.get("required", [])) == {n for n, f in wire.fields.items() if f.required}
        for name, spec in wire.fields.items():
            if isinstance(spec, Text):
                assert schema["properties"][name].get("maxLength") == spec.max_length, name
