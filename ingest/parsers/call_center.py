"""Call-center tickets: a customer's report of no supply. Accepted as the plain ticket, inside the
intake envelope (`event` + `intake`), and in the generic HTTP-capture form whose ticket is a JSON
string in `message.request.body`."""

from __future__ import annotations

from ingest.parsers.common import (
    PayloadError,
    ProviderEvent,
    Reader,
    encoded,
    require_object,
    unwrap,
)
from ingest.parsers.fields import Object, Text, Timestamp

OWN_KEYS = ("ticketId",)
_ONE_OF = "customer.meterNumber or customer.phone is required."

WIRE = Object(
    "CallCenterTicket",
    {
        "ticketId": Text(required=True, max_length=200, ids=True),
        "timestamp": Timestamp(),
        "customer": Object(
            "CallCenterCustomer",
            {
                "phone": Text(max_length=50, ids=True),
                "meterNumber": Text(max_length=50, ids=True),
                "address": Text(max_length=10_000),
                "notes": Text(max_length=10_000),
            },
            required=True,
            help="meterNumber or phone is required",
        ),
        "notes": Text(max_length=10_000),
        "status": Text(max_length=50),
        "intake": Object(
            "CallCenterIntake",
            {
                "intakeId": Text(max_length=None, ids=True),
                "omsEventId": Text(max_length=None, ids=True),
            },
            help="the intake's ids (also read from the envelope around the ticket)",
        ),
    },
)


def parse_call_center(payload) -> ProviderEvent:
    payload = require_object(payload)
    ticket, prefix, envelopes = unwrap(payload, OWN_KEYS)
    ticket = require_object(ticket, prefix.rstrip(".") or "body")
    reader = Reader(ticket, prefix)
    values = WIRE.read_fields(reader)
    customer = values["customer"]
    phone = meter_number = address = customer_notes = ""
    if customer is not None:
        phone, meter_number = customer["phone"], customer["meterNumber"]
        address, customer_notes = customer["address"], customer["notes"]
        customer_path = reader.path("customer.")
        if (
            not phone
            and not meter_number
            and not any(path.startswith(customer_path) for path in reader.errors)
        ):
            reader.fail(
                "customer.meterNumber", "customer.meterNumber or customer.phone is required."
            )
    intake_id = ""
    for envelope in [ticket, *reversed(envelopes)]:
        intake = envelope.get("intake")
        if isinstance(intake, dict) and isinstance(intake.get("intakeId"), str | int):
            intake_id = str(intake["intakeId"])[:100]
            break
    if reader.errors:
        raise PayloadError(reader.errors)
    top_notes = values["notes"]
    notes = "\n".join(dict.fromkeys(note for note in (top_notes, customer_notes) if note))
    return ProviderEvent(
        provider="call_center",
        source_event_id=values["ticketId"],
        event_time=values["timestamp"],
        event_type="customer_call",
        codes=[],
        match_tiers=_tiers(meter_number, phone),
        columns={
            "phone": phone,
            "meter_number": meter_number,
            "address": address,
            "notes": notes,
            "ticket_status": values["status"],
            "intake_id": intake_id,
        },
        raw_payload=encoded(payload),
        fixed_evidence="report",
    )


def _tiers(meter_number: str, phone: str) -> list[list[tuple[str, str]]]:
    tiers = []
    if meter_number:
        tiers.append([("meter_number", meter_number)])
    if phone:
        tiers.append([("phone", phone)])
    return tiers


def call_center_from_row(row: dict) -> ProviderEvent:
    return ProviderEvent(
        provider="call_center",
        source_event_id=row["source_event_id"],
        event_time=row["event_timestamp"],
        event_type="customer_call",
        codes=[],
        match_tiers=_tiers(row["meter_number"], row["phone"]),
        columns={},
        raw_payload=b"{}",
        fixed_evidence="report",
        evidence=row["evidence"],
    )
