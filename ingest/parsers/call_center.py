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

OWN_KEYS = ("ticketId",)


def parse_call_center(payload) -> ProviderEvent:
    payload = require_object(payload)
    ticket, prefix, envelopes = unwrap(payload, OWN_KEYS)
    ticket = require_object(ticket, prefix.rstrip(".") or "body")
    reader = Reader(ticket, prefix)
    ticket_id = reader.text("ticketId", required=True, max_length=200, ids=True)
    event_time = reader.timestamp("timestamp")
    status = reader.text("status", max_length=50)
    top_notes = reader.text("notes", max_length=10_000)
    customer = reader.child("customer", required=True)
    phone = meter_number = address = customer_notes = ""
    if customer is not None:
        phone = customer.text("phone", max_length=50, ids=True)
        meter_number = customer.text("meterNumber", max_length=50, ids=True)
        address = customer.text("address", max_length=10_000)
        customer_notes = customer.text("notes", max_length=10_000)
        if not phone and not meter_number and not customer.errors:
            customer.fail("meterNumber", "customer.meterNumber or customer.phone is required.")
    intake_id = ""
    for envelope in [ticket, *reversed(envelopes)]:
        intake = envelope.get("intake")
        if isinstance(intake, dict) and isinstance(intake.get("intakeId"), str | int):
            intake_id = str(intake["intakeId"])[:100]
            break
    if reader.errors:
        raise PayloadError(reader.errors)
    notes = "\n".join(dict.fromkeys(note for note in (top_notes, customer_notes) if note))
    return ProviderEvent(
        provider="call_center",
        source_event_id=ticket_id,
        event_time=event_time,
        event_type="customer_call",
        codes=[],
        match_tiers=_tiers(meter_number, phone),
        columns={
            "phone": phone,
            "meter_number": meter_number,
            "address": address,
            "notes": notes,
            "ticket_status": status,
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
