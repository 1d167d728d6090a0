"""The payloads the providers really send (see tests/fixtures): SCADA, ONU, KAIFA, call center."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from oms.storm.faults import Emission, Storm
from oms.storm.grid import AMMAN
from oms.storm.network import GridMeter

CALL_NOTES = [
    "No power in whole building",
    "Lights flickered then went out",
    "Neighbours also without electricity",
    "Power cut, elderly person at home",
    "Heard a bang from the transformer",
    "No electricity since the storm started",
]
SCADA_REASONS = ["Protection Trip", "Cable Damage", "Tree Contact", "Transformer Fault"]


def _ms(storm: Storm, offset: float) -> int:
    return int((storm.start.timestamp() + offset) * 1000)


def _naive(storm: Storm, offset: float) -> str:
    return (
        (storm.start + timedelta(seconds=offset))
        .replace(tzinfo=None)
        .isoformat(timespec="microseconds")
    )


def _enveloped(storm: Storm, e: Emission) -> bool:
    return e.variant < storm.envelope_share * 1000


def _scada_place(storm: Storm, ref) -> tuple[dict, float | None, float | None]:
    """The SCADA fields naming what an event is about: a feeder (its code), a substation
    (`("substation", code)`) or a telemetered device (a NetDevice: deviceId and deviceType)."""
    if isinstance(ref, str):
        substation, lat, lng = storm.grid.feeders[ref]
        return {"substationId": substation, "feederId": ref}, lat, lng
    if isinstance(ref, tuple):
        lat, lng = storm.grid.substations[ref[1]]
        return {"substationId": ref[1]}, lat, lng
    feeder = storm.grid.device_feeder(ref)
    substation, lat, lng = storm.grid.feeders[feeder] if feeder else ("", None, None)
    place = {"substationId": substation, "feederId": feeder}
    if ref.kind != "feeder":
        place.update(deviceId=ref.code, deviceType=ref.kind)
    return place, ref.lat if ref.lat is not None else lat, ref.lng if ref.lng is not None else lng


def _render_scada(storm: Storm, e: Emission) -> dict:
    place, lat, lng = _scada_place(storm, e.ref)
    status = e.kind not in ("lov", "energized")
    lov = e.kind == "lov"
    event = {
        "eventType": "MV_DeviceStatus" if status else
        ("MV_AlarmLossOfVoltage" if lov else "MV_AlarmRestoration"),
        **place,
        "mainStationId": "82001",
        "alarmType": e.kind if status else ("De-energized" if lov else "Energized"),
        "timestamp": storm.timestamp(e.event_time),
        "voltage": 0 if lov or e.kind in ("TRIP", "LOCKOUT", "OPEN") else 11000,
        "severity": ("Critical", "High", "Medium")[e.variant % 3],
        "reason": SCADA_REASONS[e.variant % len(SCADA_REASONS)],
        "coordinates": {"lat": round(lat or AMMAN[0], 4), "lng": round(lng or AMMAN[1], 4)},
    }  # fmt: skip
    if not isinstance(e.ref, str):  # device and substation events carry their own id
        event["eventId"] = f"scada_{_ms(storm, e.event_time)}_{e.event_id}"
    if not _enveloped(storm, e):
        return event
    return {
        "timestamp": _naive(storm, e.arrival),
        "source": "SCADA-Simulator",
        "topic": "scada-outage-topic",
        "processed_at": _naive(storm, e.arrival + 0.001),
        "event": event,
    }


def _render_onu(storm: Storm, e: Emission) -> dict:
    onu = e.ref
    meters = storm.onus[onu]
    first = storm.meter_info[meters[0]]
    lg = e.kind == "lg"
    return {
        "eventId": f"onu_{_ms(storm, e.event_time)}_{e.event_id}",
        "type": "ONU_LastGaspAlert" if lg else "ONU_PowerRestored",
        "onuId": int(onu) if onu.isdigit() else onu,
        "onuSerial": first.onu_serial,
        "timestamp": storm.timestamp(e.event_time),
        "nmsType": "FiberTech",
        "location": {"lat": first.lat, "lng": first.lng},
        # Some NMS records lack the meter list; the registry's ONU id still finds them.
        "associatedMeters": [] if e.variant % 10 == 0 else list(meters),
        "alarmData": {
            "category": "power",
            "alarmType": "last_gasp" if lg else "power",
            "parcel": f"P-{int(onu) % 10000:04d}" if onu.isdigit() else "P-0000",
            "serial": first.onu_serial,
        },
    }


def _render_kaifa(storm: Storm, e: Emission) -> dict:
    m: GridMeter = e.ref
    lg = e.kind == "lg"
    ms = _ms(storm, e.event_time)
    created = storm.timestamp(e.event_time)
    # The head-end names the event by its ref or by its IEC 61968-9 code.
    ref = (
        ("PowerOutage" if lg else "PowerRestored")
        if e.variant % 10 >= 3
        else ("3.26.0.85" if lg else "3.26.0.216")
    )
    reason = "Power Outage" if lg else "Power Restored"
    volts = "0.00V" if lg else f"{229 + e.variant % 20 / 10:.2f}V"
    return {
        "message_type": "EndDeviceEvent",
        "timestamp": _naive(storm, e.arrival),
        "header": {
            "verb": "Create",
            "noun": "EndDeviceEvents",
            "revision": "1.0",
            "timestamp": storm.timestamp(e.arrival),
            "source": "HES-KAIFA",
            "async_reply_flag": "false",
            "ack_required": "false",
            "user": {"ns1:UserID": "hes_user", "ns1:Organization": "Amman-OMS"},
            "message_id": f"msg_{ms}_{e.event_id}",
            "correlation_id": f"corr_{ms}_{e.event_id}",
            "comment": "outage notification" if lg else "restoration notification",
        },
        "payload": {
            "event_id": f"evt_{ms}_{e.event_id}",
            "created_date_time": created,
            "issuer_id": "HES-KAIFA",
            "issuer_tracking_id": f"msg_{ms}_{e.event_id}",
            "reason": reason,
            "severity": "Critical" if lg else "Low",
            "user_id": "hes_user",
            "assets": {
                "ns2:mRID": m.asset_mrid or m.number,
                "ns2:Names": {
                    "ns2:name": f"Meter {m.number}",
                    "ns2:NameType": {
                        "ns2:name": "Asset Name",
                        "ns2:description": "Power system asset identifier",
                    },
                },
            },
            "event_details": [
                {"ns2:name": "Voltage", "ns2:value": volts},
                {"ns2:name": "Current", "ns2:value": "0.00A"},
            ],
            "event_type": {"@ref": ref},
            "status": {
                "ns2:dateTime": created,
                "ns2:reason": reason,
                "ns2:remark": "from head-end",
                "ns2:value": "Active" if lg else "Cleared",
            },
            "usage_point": {"ns2:mRID": m.usage_point_mrid, "ns2:Names": {"ns2:name": "Amman"}},
        },
        "metadata": {
            "source": "hes-kaifa-outage-topic",
            "processed_at": _naive(storm, e.arrival + 0.001),
        },
    }


def _render_call(storm: Storm, e: Emission) -> dict:
    m: GridMeter = e.ref
    customer = {"phone": m.phone, "address": m.address}
    if e.variant % 100 >= 15 or not m.phone:  # most callers read their meter number out
        customer["meterNumber"] = m.number
    ms = _ms(storm, e.event_time)
    ticket = {
        "ticketId": f"TC_{ms}_{e.event_id}",
        "timestamp": storm.timestamp(e.event_time),
        "customer": customer,
        "notes": CALL_NOTES[e.variant % len(CALL_NOTES)],
    }
    if not _enveloped(storm, e):
        return ticket
    return {
        "timestamp": _naive(storm, e.arrival),
        "source": "call-center-intake",
        "topic": "call_center_upstream_topic",
        "event": ticket,
        "intake": {"intakeId": f"tc_{ms}_{e.event_id}", "omsEventId": f"evt_TC_{e.event_id}"},
    }


def _render_operate(storm: Storm, e: Emission) -> dict:
    """The body of `POST /api/devices/<kind>/<code>/operate/` (posting.py sends it there)."""
    return {
        "action": e.kind,
        "note": f"storm restoration switching ({e.event_id})",
        "operated_at": storm.timestamp(e.event_time),  # the field's time, not the post's
    }


RENDERERS: dict[str, Callable[[Storm, Emission], dict]] = {
    "scada": _render_scada,
    "onu": _render_onu,
    "kaifa": _render_kaifa,
    "call_center": _render_call,
    "operate": _render_operate,
}
