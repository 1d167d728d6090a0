"""What every provider parser shares: the normalized event, field readers that collect errors by
field path, ISO 8601 timestamps with a zone, and unwrapping of Kafka envelopes."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

from oms.timestamps import offset_problem

# RFC 3339 / ISO 8601 extended date-time with a zone: what PostgreSQL and the feeds agree on.
_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$"
)
_NAIVE_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$")


MAX_BATCH = 5000  # events a batch, and EndDeviceEvents a KAIFA message


class PayloadError(Exception):
    """A payload a client sent that cannot be ingested; `errors` maps field paths to reasons."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class ProviderEvent:
    """One provider event after parsing: the same shape for every feed except SCADA.

    `match_tiers`: lists of (identifier kind, value); the event concerns the meters of the first
    tier that finds any (KAIFA: asset mRID, then usage point; call center: meter, then phone).
    `codes`: (vocabulary field, code) pairs looked up in ingest_vocabulary, first hit wins.
    `columns`: the provider raw table's own columns.
    """

    provider: str
    source_event_id: str
    event_time: datetime
    event_type: str
    codes: list[tuple[str, str]]
    match_tiers: list[list[tuple[str, str]]]
    columns: dict
    raw_payload: bytes  # its JSON, encoded when parsed (see `encoded`); b"{}" rebuilt from a row
    fixed_evidence: str | None = None
    evidence: str = "none"


@dataclass
class Reader:
    """Reads fields of one JSON object, recording each bad field under its path."""

    data: dict
    prefix: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    def path(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def fail(self, name: str, reason: str) -> None:
        self.errors.setdefault(self.path(name), []).append(reason)

    def child(self, name: str, required: bool = False) -> Reader | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, "This field is required.")
            return None
        if not isinstance(value, dict):
            self.fail(name, f"Expected an object, got {json_type(value)}.")
            return None
        return Reader(value, f"{self.path(name)}.", self.errors)

    def text(
        self, name: str, *, required: bool = False, max_length: int | None = 100, ids: bool = False
    ) -> str:
        """A string ('' when absent); with ids=True integers are accepted too (ONU ids are);
        max_length None: unbounded."""
        value = self.data.get(name)
        if value is None or (value == "" and not required):
            if required:
                self.fail(name, "This field is required.")
            return ""
        if ids and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.fail(name, f"Expected a string, got {json_type(value)}.")
            return ""
        value = value.strip()
        if required and not value:
            self.fail(name, "This field may not be blank.")
        elif max_length is not None and len(value) > max_length:
            self.fail(name, f"At most {max_length} characters.")
            return ""
        return value

    def number(self, name: str, *, low: float | None = None, high: float | None = None):
        """A finite number or None; numeric strings are accepted (feeds send "0.0")."""
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(name, f"Expected a number, got {json_type(value)}.")
            return None
        try:
            number = float(value)
        except (ValueError, OverflowError):
            self.fail(name, "Expected a number.")
            return None
        if not math.isfinite(number):
            self.fail(name, "Expected a finite number.")
            return None
        if (low is not None and number < low) or (high is not None and number > high):
            self.fail(name, f"Must be between {low} and {high}.")
            return None
        return number

    def timestamp(self, name: str, *, required: bool = True) -> datetime | None:
        raw = self.data.get(name)
        if raw is None or raw == "":
            if required:
                self.fail(name, "This field is required.")
            return None
        if not isinstance(raw, str):
            self.fail(name, f"Expected an ISO 8601 timestamp string, got {json_type(raw)}.")
            return None
        parsed, reason = parse_timestamp(raw)
        if reason:
            self.fail(name, reason)
        return parsed

    def text_list(self, name: str, *, max_length: int = 50, max_items: int = 10_000) -> list[str]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(name, f"Expected a list of strings, got {json_type(value)}.")
            return []
        if len(value) > max_items:
            self.fail(name, f"At most {max_items} items.")
            return []
        items = []
        for index, item in enumerate(value):
            if isinstance(item, int) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str) or not item.strip() or len(item.strip()) > max_length:
                self.fail(f"{name}[{index}]", f"Expected a non-blank string of ≤{max_length}.")
                continue
            items.append(item.strip())
        return list(dict.fromkeys(items))


@dataclass(frozen=True)
class EventTimeWindow:
    """The event times CONTRACT §12 accepts: from 2000-01-01 to the clock-skew limit."""

    earliest: datetime
    latest: datetime
    skew_minutes: float

    def problem(self, moment: datetime) -> str | None:
        if moment < self.earliest:
            return "Event times before 2000-01-01 are refused."
        if moment > self.latest:
            return (
                f"More than {self.skew_minutes:g} minutes ahead of the server's clock "
                "(max_clock_skew_minutes)."
            )
        return None


_WINDOW: ContextVar[EventTimeWindow | None] = ContextVar("event_time_window", default=None)


@contextmanager
def event_time_window(window: EventTimeWindow) -> Iterator[None]:
    """Parse inside: event times outside `window` are refused naming their field."""
    token = _WINDOW.set(window)
    try:
        yield
    finally:
        _WINDOW.reset(token)


def parse_timestamp(raw: str) -> tuple[datetime | None, str | None]:
    """(aware UTC datetime, None) or (None, why not); outside the event-time window set by
    `event_time_window`, if one is, it is refused."""
    text = raw.strip().upper()
    if not _TIMESTAMP.match(text):
        if _NAIVE_TIMESTAMP.match(text):
            return None, "Timestamp has no time zone (add Z or an offset such as +03:00)."
        return None, "Not an ISO 8601 timestamp (e.g. 2025-10-01T06:15:30Z)."
    try:
        parsed = datetime.fromisoformat(text)
        problem = offset_problem(parsed)
        if problem:
            return None, problem
        moment = parsed.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        return None, f"Not a valid timestamp: {error}."
    window = _WINDOW.get()
    problem = window.problem(moment) if window is not None else None
    return (None, problem) if problem else (moment, None)


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


# orjson refuses NaN/Infinity, out-of-range numbers, invalid UTF-8 and lone surrogates, as
# jsonb does; NUL is the one thing it decodes that PostgreSQL cannot store, and only a \u0000
# escape can put it there (a raw one is refused), so the full walk runs only on such bodies.
_NUL_ESCAPE = re.compile(rb"\\u0000")
# orjson's own nesting limit when it encodes; the raw rows embed each payload pre-encoded.
MAX_DEPTH = 254


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _lenient(data: bytes | str):
    """The value stdlib json reads where orjson refused only for invalid text (lone surrogates,
    invalid UTF-8), so that the bad field can be named; None when it is malformed anyway."""
    text = data.decode("utf-8", "surrogateescape") if isinstance(data, bytes) else data
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None


def parse_json(data: bytes | str, path: str = "body") -> tuple[object, bool]:
    """(value, suspect): strict JSON; `suspect` when it may hold what PostgreSQL cannot store
    (a NUL escape, or invalid text read leniently), so that each event's fields are walked."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        value = _lenient(data)
        if value is None:
            raise PayloadError({path: [f"Malformed JSON: {error}."]}) from None
        return value, True
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return value, bool(_NUL_ESCAPE.search(raw))


def loads(data: bytes | str, path: str = "body"):
    """Strict JSON, and only what PostgreSQL's jsonb can store (else 400 naming the field)."""
    value, suspect = parse_json(data, path)
    if suspect:
        check_storable(value, "" if path == "body" else f"{path}.")
    return value


def check_storable(value, prefix: str = "") -> None:
    """Raise PayloadError naming the first field PostgreSQL could not store, if any."""
    found = storable_problem(value)
    if found:
        where, reason = found
        raise PayloadError({f"{prefix}{where}".rstrip(".") or "body": [reason]})


def storable_problem(value, path: str = "", depth: int = 0) -> tuple[str, str] | None:
    """(field path, why) of what PostgreSQL or the encoder would refuse in this JSON value:
    NUL, lone surrogates, non-finite or out-of-range numbers, nesting past MAX_DEPTH."""
    if depth > MAX_DEPTH:
        return path, f"JSON nested deeper than {MAX_DEPTH} levels."
    if isinstance(value, str):
        problem = _text_problem(value)
        return (path, problem) if problem else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not -(2**63) <= value < 2**64:
        return path, "Integer out of range (64 bits)."
    if isinstance(value, float) and not math.isfinite(value):
        return path, "Numbers must be finite."
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            problem = _text_problem(key)
            if problem:
                return name, f"Field name: {problem}"
            found = storable_problem(item, name, depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = storable_problem(item, f"{path}[{index}]", depth + 1)
            if found:
                return found
    return None


def encoded(value, path: str = "body") -> bytes:
    """The payload as the JSON its raw row will hold, encoded before anything is applied: what
    cannot be encoded is refused here, never after the engine's commit."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError as error:
        raise PayloadError({path: [f"Cannot be stored: {error}."]}) from None


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "Text may not contain NUL characters."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Text must be valid Unicode (no lone surrogates or invalid bytes)."
    return None


def unwrap(payload, own_keys: tuple[str, ...], path: str = ""):
    """Peel Kafka envelopes (`event`, `message`, `request.body`) until the provider's own event.

    Returns (event, path prefix, envelopes) where envelopes are the outer objects, outermost
    first, for fields a provider keeps from them (the call center's `intake`).
    """
    envelopes = []
    for _ in range(6):
        if not isinstance(payload, dict) or any(key in payload for key in own_keys):
            break
        for key in ("event", "message", "request"):
            inner = payload.get(key)
            if isinstance(inner, dict):
                envelopes.append(payload)
                payload, path = inner, f"{path}{key}."
                break
        else:
            body = payload.get("body")
            if isinstance(body, str):
                envelopes.append(payload)
                payload, path = loads(body, f"{path}body"), f"{path}body."
                continue
            if isinstance(body, dict):
                envelopes.append(payload)
                payload, path = body, f"{path}body."
                continue
            break
    return payload, path, envelopes


def require_object(payload, path: str = "body") -> dict:
    if not isinstance(payload, dict):
        raise PayloadError({path: [f"Expected a JSON object, got {json_type(payload)}."]})
    return payload
