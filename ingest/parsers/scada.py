"""SCADA alarms (real feed and legacy vocabulary): validation.

The SQL function `insert_scada_event_with_meter_check` stores and applies the event; this module
only makes sure what reaches it is well formed, so a client error is a 400 and never a 500.
"""

from __future__ import annotations

from ingest.parsers.common import PayloadError, Reader, encoded, require_object, unwrap
from ingest.parsers.fields import COORDINATES, Choice, Number, Object, Text, Timestamp

OWN_KEYS = ("eventType", "substationId", "alarmType")
MAX_VOLTAGE = 10_000_000  # volts: above any transmission level, so a reading past it is garbage
# What `deviceType` may name (CONTRACT §10): the kinds whose status SCADA reports (any case).
DEVICE_TYPES = ("feeder", "recloser", "sectionalizer", "switch", "fuse")

# Lengths keep the composed natural key within source_event_id's 300 characters.
WIRE = Object(
    "ScadaEvent",
    {
        "eventId": Text(max_length=200, ids=True, help="natural key; not blank when given"),
        "eventType": Text(
            help="e.g. MV_AlarmLossOfVoltage; eventType or a legacy alarmType is required"
        ),
        "alarmType": Text(max_length=64, ids=True, help="e.g. De-energized"),
        "substationId": Text(required=True, max_length=50),
        "feederId": Text(max_length=50, ids=True),
        "deviceId": Text(
            max_length=100,
            ids=True,
            help="code of the telemetered device the event is about (else the feeder, else the "
            "substation); its status codes (open, closed, trip, reclose, lockout) set its state; "
            "not blank when given",
        ),
        "deviceType": Choice(
            DEVICE_TYPES,
            help="the device's kind (any case); without it deviceId is looked up in every kind; "
            "only with deviceId",
        ),
        "mainStationId": Text(max_length=50, ids=True),
        "timestamp": Timestamp(),
        "voltage": Number(low=-MAX_VOLTAGE, high=MAX_VOLTAGE),
        # Kept as sent: the engine's ingest_normalized_severity is the one list of its words.
        "severity": Text(
            max_length=None, ids=True, help="normalized to low, medium, high or critical"
        ),
        "reason": Text(max_length=10_000),
        "coordinates": COORDINATES,
    },
)
# Read values replace what was sent (stripped, deviceType lower case); the others stay as sent,
# for the engine reads the JSON.
_CLEANED = ("eventType", "substationId", "alarmType", "feederId", "mainStationId", "eventId")


def _not_blank(reader: Reader, name: str, value: str) -> None:
    if not value:
        reader.errors.setdefault(reader.path(name), ["This field may not be blank."])


def parse_scada(payload) -> dict:
    """The event to hand to the engine (the envelope kept around it when there was one)."""
    payload = require_object(payload)
    event, prefix, envelopes = unwrap(payload, OWN_KEYS)
    event = require_object(event, prefix.rstrip(".") or "body")
    reader = Reader(event, prefix)
    values = WIRE.read_fields(reader)
    clean = dict(event)
    for name in _CLEANED:
        if values[name] or name in event:
            clean[name] = values[name]
    if event.get("eventId") is not None:
        _not_blank(reader, "eventId", values["eventId"])
    if (
        not values["eventType"]
        and not values["alarmType"]
        and not reader.errors.get(reader.path("eventType"))
    ):
        reader.fail("eventType", "eventType (or a legacy alarmType) is required.")
    if "deviceId" in event:
        clean["deviceId"] = values["deviceId"]
        _not_blank(reader, "deviceId", values["deviceId"])
    if values["deviceType"]:
        clean["deviceType"] = values["deviceType"]
        if "deviceId" not in event:
            reader.fail("deviceId", "Required with deviceType.")
    elif "deviceType" in event:
        clean.pop("deviceType")
    if values["timestamp"] is not None:
        clean["timestamp"] = event["timestamp"].strip()
    if values["voltage"] is not None:
        clean["voltage"] = values["voltage"]
    if values["coordinates"] is not None:
        clean["coordinates"] = {**event["coordinates"], **values["coordinates"]}
    if reader.errors:
        raise PayloadError(reader.errors)
    if len(envelopes) == 1 and prefix == "event.":
        clean = {**envelopes[0], "event": clean}
    encoded(clean)  # what the engine stores must encode, or it is refused here
    return clean
