"""ONU (fibre network terminal) alarms: dying gasp and power restored, for every meter the ONU
serves (its `associatedMeters` and every meter registered with its `onuId`)."""

from __future__ import annotations

from ingest.parsers.common import (
    PayloadError,
    ProviderEvent,
    Reader,
    encoded,
    require_object,
    unwrap,
)
from ingest.parsers.fields import COORDINATES, Object, Text, TextList, Timestamp

OWN_KEYS = ("eventId", "onuId", "type")

WIRE = Object(
    "OnuEvent",
    {
        "eventId": Text(required=True, max_length=200, ids=True),
        "type": Text(required=True, help="ONU_LastGaspAlert, ONU_PowerRestored"),
        "onuId": Text(max_length=50, ids=True, help="string or integer; onuId or associatedMeters"),
        "onuSerial": Text(max_length=50, ids=True),
        "timestamp": Timestamp(),
        "nmsType": Text(max_length=50),
        "location": COORDINATES,
        "associatedMeters": TextList(help="meter numbers; onuId or associatedMeters"),
        "alarmData": Object(
            "OnuAlarmData",
            {
                "category": Text(max_length=None, ids=True),
                "alarmType": Text(),
                "parcel": Text(max_length=None, ids=True),
                "serial": Text(max_length=None, ids=True),
            },
        ),
    },
)


def parse_onu(payload) -> ProviderEvent:
    payload = require_object(payload)
    event, prefix, _ = unwrap(payload, OWN_KEYS)
    event = require_object(event, prefix.rstrip(".") or "body")
    reader = Reader(event, prefix)
    values = WIRE.read_fields(reader)
    event_type, onu_id, meters = values["type"], values["onuId"], values["associatedMeters"]
    if not onu_id and not meters and "associatedMeters" not in reader.errors:
        reader.fail("onuId", "onuId or associatedMeters is required.")
    alarm_type = (values["alarmData"] or {}).get("alarmType", "")
    if reader.errors:
        raise PayloadError(reader.errors)
    tier = [("meter_number", number) for number in meters]
    if onu_id:
        tier.append(("onu_id", onu_id))
    return ProviderEvent(
        provider="onu",
        source_event_id=values["eventId"],
        event_time=values["timestamp"],
        event_type=event_type,
        codes=[("type", event_type), ("alarmType", alarm_type)],
        match_tiers=[tier],
        columns={
            "event_type": event_type,
            "onu_id": onu_id,
            "onu_serial": values["onuSerial"],
            "nms_type": values["nmsType"],
            "associated_meters": meters,
        },
        raw_payload=encoded(payload),
    )


def onu_from_row(row: dict) -> ProviderEvent:
    """The same event rebuilt from its stored row (replay)."""
    tier = [("meter_number", number) for number in row["associated_meters"] or []]
    if row["onu_id"]:
        tier.append(("onu_id", row["onu_id"]))
    return ProviderEvent(
        provider="onu",
        source_event_id=row["source_event_id"],
        event_time=row["event_timestamp"],
        event_type=row["event_type"],
        codes=[],
        match_tiers=[tier],
        columns={},
        raw_payload=b"{}",
        evidence=row["evidence"],
    )
