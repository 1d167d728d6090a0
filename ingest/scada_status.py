"""SCADA status of telemetered devices (CONTRACT §10): open / closed, trip, reclose, lockout.

A status code (vocabulary evidence `open` or `closed`) is an operation of the device that SCADA
saw: it goes through the operators' path, `outages.actions.operate_device` with source SCADA,
inside the ingest's transaction, so feeding, counts, the seed's views, meters' power status,
outages (an opening is an unplanned outage at the device; a closing restores what it feeds)
and the switching log follow, and `switching.operated` is pushed at commit. The SQL function
stores the event and leaves it unmatched (`ingest_apply_scada_event`); this module applies it,
from the ingest endpoints and from replay. What it answers:

- the device is `deviceId` (of kind `deviceType`, or any kind with that code), else the feeder
  (its breaker); unknown, or a code several kinds share → `unmatched` (replayable);
- a device that is not telemetered → `unmatched`: SCADA reports only telemetered devices, so
  the registry is wrong about it or the feed names the wrong one; once a steward has fixed it
  the event is replayed;
- a substation has no state of its own → `ignored`;
- a status dated before the device's last operation or last applied status never overrides it,
  and a status equal to the device's state (a re-sent "closed") changes nothing: both are
  `processed` with a note, never an error to the feed;
- a closing the network refuses (it would parallel two sources) → `unmatched` with the reason:
  the registry disagrees with the field, and operators resolve it;
- another operation on the device in progress → `DeviceStatusBusy`: the request answers 503
  and stores nothing, so the feed sends it again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import OperationalError, connection, transaction
from django.db.models import Max

from ingest import sqlfuncs as ingest_sql
from ingest.models import DEVICE_STATUS, Evidence, ProcessingStatus, ScadaEvent
from ingest.parsers.common import parse_timestamp
from ingest.vocabulary import load_vocabulary
from outages.actions import operate_device
from topology.actions import DeviceBusy, SwitchingRefused
from topology.models import Device, Feeder, SwitchingOperation, SwitchingSource, SwitchState
from topology.sqlfuncs import lock_network

# Where a SCADA event's code is looked up, in this order (insert_scada_event_with_meter_check).
CODE_FIELDS = ("eventType", "alarmType")


class DeviceStatusBusy(Exception):
    """Another operation on the device holds it: the event is not stored, the feed retries."""


def is_pending_status(answer: dict) -> bool:
    """An answer of the SQL function for a device status it left to this module."""
    return answer["status"] == ProcessingStatus.UNMATCHED and not answer["duplicate"]


def apply_device_status(scada_event_pk: int) -> dict | None:
    """Apply a stored, unmatched SCADA event if it is a device status; its answer, or None when
    it is not a device status (the SQL function's answer stands)."""
    event = ScadaEvent.objects.select_for_update().get(pk=scada_event_pk)
    if event.evidence not in DEVICE_STATUS:
        return None
    # The device as sent (the stored columns hold the device it was applied to, once it was).
    raw = event.raw_payload
    payload = raw["event"] if isinstance(raw.get("event"), dict) else raw
    kind = str(payload.get("deviceType") or "").lower()
    code = str(payload.get("deviceId") or "").strip()
    found = _device(kind, code, event.feeder_id, event.substation_id)
    if isinstance(found, str):
        named = f"{kind or 'device'} {code}" if code else f"feeder {event.feeder_id}"
        status = ProcessingStatus.IGNORED if found == "substation" else ProcessingStatus.UNMATCHED
        note = {
            "substation": "A substation has no switch state: name its feeder or device.",
            "unknown": f"No {named} in the registry.",
            "ambiguous": f"deviceId {code} names devices of several kinds: send deviceType.",
        }[found]
        return _settle(event, status, note)
    scope, device = found
    device_code = device.feeder_id if scope == "feeder" else device.code
    event.device_kind, event.device_code = scope, device_code
    if not device.telemetered:
        note = f"{scope} {device_code} is not telemetered: fix the registry, then replay."
        return _settle(event, ProcessingStatus.UNMATCHED, note)
    newest = _newest_status_time(event, scope, device)
    if newest is not None and event.event_timestamp < newest:
        note = f"Older than {scope} {device_code}'s last operation ({newest.isoformat()})."
        return _settle(event, ProcessingStatus.PROCESSED, note, checked=True)
    target = SwitchState.OPEN if event.evidence == Evidence.OPEN else SwitchState.CLOSED
    if device.state == target:
        note = f"{scope} {device_code} is already {target}."
        return _settle(event, ProcessingStatus.PROCESSED, note, checked=True)
    word = event.event_type or event.alarm_type
    try:
        switching = operate_device(
            kind=scope,
            code=device_code,
            action="open" if target == SwitchState.OPEN else "close",
            note=f"SCADA {word}",
            source=SwitchingSource.SCADA,
            source_event_id=event.source_event_id,
            event_time=event.event_timestamp,
        )
    except DeviceBusy as busy:
        raise DeviceStatusBusy(str(busy)) from busy
    except SwitchingRefused as refusal:
        return _settle(event, ProcessingStatus.UNMATCHED, f"Refused by the network: {refusal}")
    operation = switching.operation
    event.affected_meter_count = operation.meters_de_energized + operation.meters_energized
    event.outage_event_id = switching.outage_ids[0] if switching.outage_ids else None
    return _settle(event, ProcessingStatus.PROCESSED, "", checked=True)


def _device(kind: str, code: str, feeder: str, substation: str):
    """(kind, Feeder or Device row) the event names, or why not: unknown, ambiguous, substation."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT scope, device_id, candidates FROM ingest_scada_device(%s, %s, %s, %s)",
            [kind, code, feeder, substation],
        )
        row = cursor.fetchone()
    if row is None:
        return "unknown"
    scope, device_id, candidates = row
    if scope is None:
        return "ambiguous" if candidates > 1 else "unknown"
    if scope == "substation":
        return "substation"
    model = Feeder if scope == "feeder" else Device
    # Its state, log and last status are read under its row lock, as switch_device takes it: a
    # concurrent operation on it cannot change the state between this check and the commit.
    try:
        return scope, model.objects.select_for_update(nowait=True).get(pk=device_id)
    except OperationalError as exc:
        named = f"{scope} {code or feeder}"
        raise DeviceStatusBusy(f"Another operation on {named} is in progress.") from exc


def _newest_status_time(event: ScadaEvent, scope: str, device):
    """The time of the device's last operation (any source) or last applied SCADA status."""
    operated = SwitchingOperation.objects.filter(device_kind=scope, device_id=device.pk).aggregate(
        at=Max("operated_at")
    )["at"]
    reported = (
        ScadaEvent.objects.filter(
            device_kind=scope,
            device_code=event.device_code,
            evidence__in=DEVICE_STATUS,
            processing_status=ProcessingStatus.PROCESSED,
        )
        .exclude(pk=event.pk)
        .aggregate(at=Max("event_timestamp"))["at"]
    )
    return max((at for at in (operated, reported) if at is not None), default=None)


def _settle(event: ScadaEvent, status: str, note: str, checked: bool = False) -> dict:
    """Record the outcome on the stored event and answer it (ingest_scada_answer)."""
    event.processing_status, event.note = status, note[:300]
    event.meters_checked = event.meters_checked or checked
    applied = status != ProcessingStatus.UNMATCHED
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE scada_events SET processing_status = %s, note = %s, meters_checked = %s,"
            " device_kind = %s, device_code = %s, affected_meter_count = %s,"
            " outage_event_id = %s, processed_at = CASE WHEN %s THEN now() END WHERE id = %s",
            [
                status,
                event.note,
                event.meters_checked,
                event.device_kind,
                event.device_code,
                event.affected_meter_count,
                event.outage_event_id,
                applied,
                event.pk,
            ],
        )
    return ingest_sql.scada_answer(event.pk)


def settle_pending(answer: dict) -> dict:
    """The ingest answer once a device status the SQL function left is applied (in the caller's
    transaction, with a savepoint of its own for the operation)."""
    if not is_pending_status(answer):
        return answer
    with transaction.atomic():
        return apply_device_status(answer["scada_event_id"]) or answer


def replay(scada_event_pk: int) -> str:
    """Apply a stored SCADA event again (its status); one whose device is busy stays unmatched."""
    try:
        return settle_pending(ingest_sql.apply_stored_scada_event(scada_event_pk))["status"]
    except DeviceStatusBusy:
        return ProcessingStatus.UNMATCHED


def event_time(event: dict) -> datetime:
    """A parsed SCADA event's time (bare or enveloped), for applying a batch in time order; the
    latest possible when unreadable (the engine then refuses it)."""
    body = event["event"] if isinstance(event.get("event"), dict) else event
    moment, _ = parse_timestamp(str(body.get("timestamp", "")))
    return moment or datetime.max.replace(tzinfo=UTC)


def take_network_first(events: list[dict]) -> None:
    """Before a batch that holds a device status: the network lock, first of all locks, as
    every switching takes it. Its loss-of-voltage events take feeder locks, and an operation
    taking the network lock after them would invert the one lock order (a deadlock with an
    AMI ingest waiting for those feeders while holding the network lock shared)."""
    vocabulary = load_vocabulary("scada")
    for event in events:
        body = event["event"] if isinstance(event.get("event"), dict) else event
        codes = [(name.lower(), str(body.get(name) or "").strip().lower()) for name in CODE_FIELDS]
        evidence = next((vocabulary[c] for c in codes if c in vocabulary), None)
        if evidence in DEVICE_STATUS:
            lock_network()
            return
