"""SCADA alarms (real feed and legacy vocabulary): validation.

The SQL function `insert_scada_event_with_meter_check` stores and applies the event; this module
only makes sure what reaches it is well formed, so a client error is a 400 and never a 500.
"""

from __future__ import annotations

from ingest.parsers.common import PayloadError, Reader, encoded, require_object, unwrap

OWN_KEYS = ("eventType", "substationId", "alarmType")
MAX_VOLTAGE = 10_000_000  # volts: above any transmission level, so a reading past it is garbage
# What `deviceType` may name (CONTRACT §10): the kinds whose status SCADA reports (any case).
DEVICE_TYPES = ("feeder", "recloser", "sectionalizer", "switch", "fuse")


def _device(reader: Reader, event: dict, clean: dict) -> None:
    """`deviceId` (a device's code, never blank) and `deviceType` (its kind, kept lower case)."""
    if "deviceId" in event:
        clean["deviceId"] = reader.text("deviceId", required=True, max_length=100, ids=True)
    kind = reader.text("deviceType", max_length=20)
    if kind:
        if kind.lower() not in DEVICE_TYPES:
            reader.fail("deviceType", f"One of {', '.join(DEVICE_TYPES)} (any case).")
        elif "deviceId" not in event:
            reader.fail("deviceId", "Required with deviceType.")
        clean["deviceType"] = kind.lower()
    elif "deviceType" in event:
        clean.pop("deviceType")


def parse_scada(payload) -> dict:
    """The event to hand to the engine (the envelope kept around it when there was one)."""
    payload = require_object(payload)
    event, prefix, envelopes = unwrap(payload, OWN_KEYS)
    event = require_object(event, prefix.rstrip(".") or "body")
    reader = Reader(event, prefix)
    clean = dict(event)
    event_type = reader.text("eventType")
    if event_type or "eventType" in event:
        clean["eventType"] = event_type
    clean["substationId"] = reader.text("substationId", required=True, max_length=50)
    # Lengths keep the composed natural key within source_event_id's 300 characters.
    for name, length in (("alarmType", 64), ("feederId", 50), ("mainStationId", 50)):
        value = reader.text(name, max_length=length, ids=True)
        if value or name in event:
            clean[name] = value
    if (
        not event_type
        and not clean.get("alarmType")
        and not reader.errors.get(reader.path("eventType"))
    ):
        reader.fail("eventType", "eventType (or a legacy alarmType) is required.")
    _device(reader, event, clean)
    if event.get("eventId") is not None:
        clean["eventId"] = reader.text("eventId", required=True, max_length=200, ids=True)
    reader.text("reason", max_length=10_000)
    if reader.timestamp("timestamp") is not None:
        clean["timestamp"] = event["timestamp"].strip()
    voltage = reader.number("voltage", low=-MAX_VOLTAGE, high=MAX_VOLTAGE)
    if voltage is not None:
        clean["voltage"] = voltage
    # Kept as sent: the engine's ingest_normalized_severity is the one list of severity words.
    severity = event.get("severity")
    if severity is not None and (isinstance(severity, bool) or not isinstance(severity, str | int)):
        reader.fail("severity", "Expected a string such as low, medium, high or critical.")
    coordinates = reader.child("coordinates")
    if coordinates is not None:
        clean["coordinates"] = {
            **coordinates.data,
            "lat": coordinates.number("lat", low=-90, high=90),
            "lng": coordinates.number("lng", low=-180, high=180),
        }
    if reader.errors:
        raise PayloadError(reader.errors)
    if len(envelopes) == 1 and prefix == "event.":
        clean = {**envelopes[0], "event": clean}
    encoded(clean)  # what the engine stores must encode, or it is refused here
    return clean
