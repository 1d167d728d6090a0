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

OWN_KEYS = ("eventId", "onuId", "type")


def parse_onu(payload) -> ProviderEvent:
    payload = require_object(payload)
    event, prefix, _ = unwrap(payload, OWN_KEYS)
    event = require_object(event, prefix.rstrip(".") or "body")
    reader = Reader(event, prefix)
    event_id = reader.text("eventId", required=True, max_length=200, ids=True)
    event_type = reader.text("type", required=True)
    onu_id = reader.text("onuId", max_length=50, ids=True)
    onu_serial = reader.text("onuSerial", max_length=50, ids=True)
    nms_type = reader.text("nmsType", max_length=50)
    event_time = reader.timestamp("timestamp")
    meters = reader.text_list("associatedMeters")
    if not onu_id and not meters and "associatedMeters" not in reader.errors:
        reader.fail("onuId", "onuId or associatedMeters is required.")
    location = reader.child("location")
    if location is not None:
        location.number("lat", low=-90, high=90)
        location.number("lng", low=-180, high=180)
    alarm = reader.child("alarmData")
    alarm_type = alarm.text("alarmType") if alarm is not None else ""
    if reader.errors:
        raise PayloadError(reader.errors)
    tier = [("meter_number", number) for number in meters]
    if onu_id:
        tier.append(("onu_id", onu_id))
    return ProviderEvent(
        provider="onu",
        source_event_id=event_id,
        event_time=event_time,
        event_type=event_type,
        codes=[("type", event_type), ("alarmType", alarm_type)],
        match_tiers=[tier],
        columns={
            "event_type": event_type,
            "onu_id": onu_id,
            "onu_serial": onu_serial,
            "nms_type": nms_type,
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
