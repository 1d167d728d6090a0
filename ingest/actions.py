"""The ingest path every door uses (single and batch endpoints, broker consumers, admin replay).

Set-based, a fixed number of statements per batch whatever its size: one lookup of the keys
already stored, one query per identifier kind to find the meters, one `apply_meter_evidence`
call for every matched meter (committed on its own, see `ingest_events`), then one INSERT …
ON CONFLICT (source_event_id, event_timestamp) DO NOTHING of the raw rows with their outcome
and answer (the tables are partitioned by month on the event time, which a re-delivery carries
unchanged). A re-delivery (same natural key) applies nothing and gets back the answer stored
when the event was first seen. Two first deliveries racing each other are both applied by the
engine, which records evidence once per (meter, source event); the raw INSERT then keeps one
row and the loser answers as a re-delivery. Replay updates stored rows. SCADA goes through the
seed's SQL function, which stores and applies the event itself, except a device's status, which
ingest.scada_status applies as a switching operation in the same transaction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import orjson
from django.db import DataError, connection, transaction

from ingest import scada_status
from ingest import sqlfuncs as ingest_sql
from ingest.matching import resolve_meters
from ingest.models import (
    CallCenterTicket,
    Evidence,
    KaifaEvent,
    OnuEvent,
    ProcessingStatus,
    ScadaEvent,
)
from ingest.parsers import (
    PayloadError,
    ProviderEvent,
    call_center_from_row,
    kaifa_from_row,
    onu_from_row,
)
from ingest.vocabulary import classify, load_vocabulary
from oms import metrics
from outages import sqlfuncs

RAW_MODELS = {
    "scada": ScadaEvent,
    "onu": OnuEvent,
    "kaifa": KaifaEvent,
    "call_center": CallCenterTicket,
}
FROM_ROW = {"onu": onu_from_row, "kaifa": kaifa_from_row, "call_center": call_center_from_row}
# Columns the database fills or the apply step sets after the insert.
_LATER_COLUMNS = {"id", "received_at", "processed_at"}
REPLAY_CHUNK = 5000
STATUSES = tuple(ProcessingStatus.values)


@dataclass
class IngestOutcome:
    """Answers in input order (re-deliveries carry duplicate=true) and the counts."""

    answers: list[dict]
    new: int = 0
    duplicates: int = 0
    statuses: Counter = field(default_factory=Counter)


def _counts(answers: list[dict]) -> IngestOutcome:
    outcome = IngestOutcome(answers)
    for answer in answers:
        if answer["duplicate"]:
            outcome.duplicates += 1
        else:
            outcome.new += 1
            outcome.statuses[answer["status"]] += 1
    return outcome


def ingest_events(provider: str, events: list[ProviderEvent]) -> IngestOutcome:
    """Apply parsed ONU, KAIFA or call-center events, then store their raw rows.

    Two transactions: the engine's, whose feeder locks serialize every writer of those feeders
    until it commits, and then the raw rows' (the bulk of the bytes), written outside the locks.
    The caller answers only after both. Should the second fail, the feed gets no answer and
    sends the batch again: the engine records evidence once per (meter, source event), so the
    events already applied change nothing, and their raw rows are stored then. (Inside a
    caller's transaction both are one, as before.)
    """
    model = RAW_MODELS[provider]
    classify(events, load_vocabulary(provider))
    # The first of several events with one key in a batch wins; the rest are re-deliveries.
    unique: dict[str, ProviderEvent] = {}
    for event in events:
        unique.setdefault(event.source_event_id, event)
    known = _stored_keys(model, list(unique))
    fresh = sorted(
        (event for key, event in unique.items() if key not in known),
        key=lambda event: event.source_event_id,
    )
    with metrics.engine_timer(provider, len(fresh)), transaction.atomic():
        # The engine's transaction: its feeder locks are held until this commits.
        concerned, applied = _apply_evidence(provider, fresh)
    outcomes = _outcomes(provider, fresh, concerned, applied)
    try:
        with transaction.atomic():
            stored = _insert_raw_rows(model, fresh, outcomes)
            fresh_answers = {key: outcomes[key].answer for key in stored}
            earlier = _stored_answers(provider, model, [k for k in unique if k not in stored])
    except Exception:
        metrics.RAW_ROW_FAILURES.labels(provider).inc()
        raise
    answers, answered = [], set()
    for event in events:
        key = event.source_event_id
        if key in fresh_answers and key not in answered:
            answers.append(fresh_answers[key])
            answered.add(key)
        else:
            answers.append({**(fresh_answers.get(key) or earlier[key]), "duplicate": True})
    outcome = _counts(answers)
    metrics.count_ingest(provider, outcome)
    return outcome


def _stored_keys(model, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT source_event_id FROM {connection.ops.quote_name(model._meta.db_table)}"
            " WHERE source_event_id = ANY(%s)",
            [keys],
        )
        return {row[0] for row in cursor.fetchall()}


def ingest_scada_events(events: list[dict]) -> tuple[IngestOutcome, dict[int, dict]]:
    """Store and apply validated SCADA events through the seed's SQL function, in the order of
    their event times (a batch of a SCADA master's Kafka partitions may interleave them: a trip
    and its reclose seconds later are applied in that order, so the interruption is recorded).

    Returns the outcome of the events applied (answers in input order) and, by index, the ones
    the function refused as bad data (each in its own savepoint, so a refused event leaves the
    others applied). Other database errors are server errors and propagate.
    """
    answers, refused = {}, {}
    # A lone event needs no savepoint: if it is refused, its transaction has nothing else.
    savepoint = len(events) > 1
    with metrics.engine_timer("scada", len(events)), transaction.atomic():
        scada_status.take_network_first(events)
        for index in sorted(range(len(events)), key=lambda i: scada_status.event_time(events[i])):
            try:
                with transaction.atomic(savepoint=savepoint):
                    stored = ingest_sql.insert_scada_event_with_meter_check(events[index])
                    # A device's status is a switching operation, applied here (operators' path).
                    answers[index] = scada_status.settle_pending(stored)
            except DataError as error:
                # The engine names the field it refused as the error's column, where it can.
                diag = getattr(error.__cause__, "diag", None)
                field = getattr(diag, "column_name", None) or "body"
                refused[index] = {field: [f"Refused by the database: {_first_line(error)}"]}
    outcome = _counts([answers[index] for index in sorted(answers)])
    metrics.count_ingest("scada", outcome)
    return outcome, refused


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _raw_columns(model) -> list:
    return [f for f in model._meta.concrete_fields if f.column not in _LATER_COLUMNS]


def _record_type(field) -> str:
    db_type = field.db_type(connection)
    return "json" if db_type == "jsonb" else db_type


def _insert_raw_rows(model, events: list[ProviderEvent], outcomes: dict) -> dict[str, int]:
    """INSERT the applied events' raw rows with their outcome, skipping keys stored meanwhile;
    {source_event_id: pk} of the rows inserted."""
    if not events:
        return {}
    columns = _raw_columns(model)
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in columns)
    # json, not jsonb: the text is expanded once, straight into the jsonb columns.
    record = ", ".join(f"{quote(f.column)} {_record_type(f)}" for f in columns)
    defaults = {f.column: f.get_default() for f in columns}
    rows = []
    for event in events:
        outcome = outcomes[event.source_event_id]
        row = {
            **defaults,
            **event.columns,
            "source_event_id": event.source_event_id,
            "event_timestamp": event.event_time,
            "evidence": event.evidence,
            "processing_status": outcome.status,
            "raw_payload": orjson.Fragment(event.raw_payload),
            "outage_event_id": outcome.outage_pk,
            "answer": outcome.answer,
        }
        rows.append(row)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}, processed_at)"
            f" SELECT {names}, CASE WHEN processing_status = 'unmatched' THEN NULL ELSE now() END"
            f" FROM json_to_recordset(%s::json) AS r({record})"
            " ON CONFLICT (source_event_id, event_timestamp) DO NOTHING"
            " RETURNING source_event_id, id",
            [orjson.dumps(rows).decode()],
        )
        return dict(cursor.fetchall())


def _stored_answers(provider: str, model, keys: list[str]) -> dict[str, dict]:
    """The answers given when these already-stored events were first seen."""
    if not keys:
        return {}
    rows = model.objects.filter(source_event_id__in=keys).values_list(
        "source_event_id", "answer", "processing_status", "outage_event__event_id"
    )
    answers = {}
    for key, answer, status, outage in rows:
        answers[key] = answer or {
            "provider": provider,
            "source_event_id": key,
            "duplicate": True,
            "status": status,
            "meters": {"total": 0, "off": 0, "on": 0, "unknown": 0},
            "outage_event_id": outage,
            "outage_event_ids": [outage] if outage else [],
        }
    return answers


@dataclass
class Applied:
    """What applying one event gave: its processing status, outage and answer."""

    status: str
    outage_pk: int | None
    answer: dict


def _apply(provider: str, events: list[ProviderEvent]) -> dict[str, Applied]:
    """Find the events' meters, apply their evidence through the engine, and say what came of
    each event."""
    concerned, applied = _apply_evidence(provider, events)
    return _outcomes(provider, events, concerned, applied)


def _apply_evidence(provider: str, events: list[ProviderEvent]) -> tuple[list, dict]:
    """The events' meters ({meter id: power status} each) and the engine's answer per new
    (source event, meter): one lookup per identifier kind, one engine call."""
    if not events:
        return [], {}
    concerned = resolve_meters(events)
    evidence_rows = [
        {
            "meter_id": meter_id,
            "evidence": event.evidence,
            "event_time": event.event_time,
            "provider": provider,
            "source_event_id": event.source_event_id,
            "event_type": event.event_type,
        }
        for event, meters in zip(events, concerned, strict=True)
        if event.evidence != Evidence.NONE
        for meter_id in meters
    ]
    applied = {}
    if evidence_rows:
        for row in sqlfuncs.apply_meter_evidence(evidence_rows):
            applied[(row["source_event_id"], row["meter_id"])] = row
    return concerned, applied


def _outcomes(provider: str, events: list, concerned: list, applied: dict) -> dict[str, Applied]:
    """Each event's status, outage and answer, from what the engine said of its meters (a
    meter it did not change answers with its current power status)."""
    if not events:
        return {}
    current = _current_power_status(
        {
            meter_id
            for event, meters in zip(events, concerned, strict=True)
            for meter_id in meters
            if (event.source_event_id, meter_id) not in applied
        }
    )
    outage_pks = _outage_pks({row["outage_event_id"] for row in applied.values()})
    results = {}
    for event, meters in zip(events, concerned, strict=True):
        rows = [applied.get((event.source_event_id, meter_id)) for meter_id in meters]
        if event.evidence == Evidence.NONE:
            status = ProcessingStatus.IGNORED
        elif not meters:
            status = ProcessingStatus.UNMATCHED
        elif any(row and row.get("stale") for row in rows):
            status = ProcessingStatus.STALE  # older than the age limit: applied to nothing
        else:
            status = ProcessingStatus.PROCESSED
        counts = {"total": len(meters), "off": 0, "on": 0, "unknown": 0}
        outages: list[str] = []
        for meter_id, row in zip(meters, rows, strict=True):
            power = row["power_status"] if row else current.get(meter_id, "unknown")
            counts[power if power in counts else "unknown"] += 1
            if row and row.get("outage_event_id") and row["outage_event_id"] not in outages:
                outages.append(row["outage_event_id"])
        answer = {
            "provider": provider,
            "source_event_id": event.source_event_id,
            "duplicate": False,
            "status": str(status),
            "meters": counts,
            "outage_event_id": outages[0] if outages else None,
            "outage_event_ids": outages,
        }
        results[event.source_event_id] = Applied(
            str(status), outage_pks.get(outages[0]) if outages else None, answer
        )
    return results


def _record_outcomes(model, pairs: list[tuple[int, ProviderEvent]], outcomes: dict) -> None:
    """UPDATE replayed raw rows with their new outcome and answer."""
    updates = [
        {
            "id": pk,
            "status": outcomes[event.source_event_id].status,
            "outage": outcomes[event.source_event_id].outage_pk,
            "answer": outcomes[event.source_event_id].answer,
        }
        for pk, event in pairs
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET processing_status = r.status, outage_event_id = r.outage,"
            " answer = r.answer,"
            " processed_at = CASE WHEN r.status = 'unmatched' THEN NULL ELSE now() END"
            " FROM json_to_recordset(%s::json) AS r(id bigint, status text, outage bigint,"
            " answer json) WHERE t.id = r.id",
            [orjson.dumps(updates).decode()],
        )


def _current_power_status(meter_ids: set[int]) -> dict[int, str]:
    if not meter_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, power_status FROM oms_meters WHERE id = ANY(%s)", [sorted(meter_ids)]
        )
        return dict(cursor.fetchall())


def _outage_pks(event_ids: set[str | None]) -> dict[str, int]:
    event_ids = {event_id for event_id in event_ids if event_id}
    if not event_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT event_id, id FROM oms_outage_events WHERE event_id = ANY(%s)",
            [sorted(event_ids)],
        )
        return dict(cursor.fetchall())


def replay_unmatched(provider: str | None = None, ids: list[int] | None = None) -> dict:
    """Apply again the stored events that matched nothing, now that the registry may know them.

    `provider` and `ids` (raw row keys of that provider) narrow the replay. Rows another replay
    is working on are skipped, not waited for.
    """
    if ids is not None and provider is None:
        raise PayloadError({"provider": ["Required when ids are given."]})
    providers = [provider] if provider else list(RAW_MODELS)
    report = {"replayed": 0, "processed": 0, "ignored": 0, "unmatched": 0, "providers": {}}
    for name in providers:
        counts = Counter()
        model = RAW_MODELS[name]
        last_pk = 0
        while True:
            with transaction.atomic():
                rows = model.objects.select_for_update(skip_locked=True).filter(
                    processing_status=ProcessingStatus.UNMATCHED, pk__gt=last_pk
                )
                if ids is not None:
                    rows = rows.filter(pk__in=ids)
                rows = list(rows.order_by("pk").values()[:REPLAY_CHUNK])
                if not rows:
                    break
                last_pk = rows[-1]["id"]
                if name == "scada":
                    statuses = [scada_status.replay(row["id"]) for row in rows]
                else:
                    pairs = [(row["id"], FROM_ROW[name](row)) for row in rows]
                    outcomes = _apply(name, [event for _, event in pairs])
                    _record_outcomes(model, pairs, outcomes)
                    statuses = [outcome.status for outcome in outcomes.values()]
            counts.update(statuses)
            counts["replayed"] += len(rows)
        report["providers"][name] = dict(counts)
        for key in ("replayed", "processed", "ignored", "unmatched"):
            report[key] += counts[key]
    return report
