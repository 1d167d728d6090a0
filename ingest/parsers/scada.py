"""SCADA alarms (real feed and legacy vocabulary): validation and severity normalization.

The SQL function `insert_scada_event_with_meter_check` stores and applies the event; this module
only makes sure what reaches it is well formed, so a client error is a 400 and never a 500.
"""

from __future__ import annotations

from ingest.parsers.common import PayloadError, Reader, require_object, unwrap

OWN_KEYS = ("eventType", "substationId", "alarmType")

SEVERITY = {
    "low": "low",
    "minor": "low",
    "info": "low",
    "informational": "low",
    "warning": "medium",
    "medium": "medium",
    "moderate": "medium",
    "normal": "medium",
    "high": "high",
    "major": "high",
    "critical": "critical",
    "severe": "critical",
    "emergency": "critical",
    "1": "low",
    "2": "medium",
    "3": "high",
    "4": "critical",
}


def parse_scada(payload) -> dict:
    """The event to hand to the engine (the envelope kept around it when there was one)."""
    payload = require_object(payload)
    event, prefix, envelopes = unwrap(payload, OWN_KEYS)
    event = require_object(event, prefix.rstrip(".") or "body")
    reader = Reader(event, prefix)
    clean = dict(event)
    clean["eventType"] = reader.text("eventType", required=True)
    clean["substationId"] = reader.text("substationId", required=True, max_length=50)
    for name, length in (("alarmType", 100), ("feederId", 50), ("mainStationId", 50)):
        value = reader.text(name, max_length=length, ids=True)
        if value or name in event:
            clean[name] = value
    if "eventId" in event:
        clean["eventId"] = reader.text("eventId", required=True, max_length=200, ids=True)
    reader.text("reason", max_length=10_000)
    if reader.timestamp("timestamp") is not None:
        clean["timestamp"] = event["timestamp"].strip()
    voltage = reader.number("voltage")
    if voltage is not None:
        clean["voltage"] = voltage
    severity = event.get("severity")
    if severity not in (None, ""):
        normalized = (
            SEVERITY.get(str(severity).strip().lower())
            if not isinstance(severity, bool | dict | list)
            else None
        )
        if normalized is None:
            reader.fail("severity", "Expected one of low, medium, high, critical.")
        else:
            clean["severity"] = normalized
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
        return {**envelopes[0], "event": clean}
    return clean
