"""The wire formats, declared once: each feed's fields, their types, which are required, and
their limits. The parsers read every declared field through its declaration (`Object.read`),
and ingest/api/serializers.py builds the OpenAPI schema served at /api/schema/ from the same
declarations, so what the schema documents and what the parser refuses cannot drift apart.

Rules that tie two fields together (one of two is required) stay in the parsers' code and are
told in the fields' help texts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ingest.parsers.common import Reader


@dataclass(frozen=True)
class Text:
    """A string, stripped ('' when absent or blank and not required); `ids`: integers are
    accepted too and read as their digits; `max_length` None: unbounded (kept whole)."""

    required: bool = False
    max_length: int | None = 100
    ids: bool = False
    help: str = ""

    def read(self, reader: Reader, name: str) -> str:
        return reader.text(name, required=self.required, max_length=self.max_length, ids=self.ids)


@dataclass(frozen=True)
class Choice:
    """One of `choices`, in any case; read lower case ('' when absent)."""

    choices: tuple[str, ...]
    max_length: int = 20
    help: str = ""
    required = False

    def read(self, reader: Reader, name: str) -> str:
        value = reader.text(name, max_length=self.max_length).lower()
        if value and value not in self.choices:
            reader.fail(name, f"One of {', '.join(self.choices)} (any case).")
        return value


@dataclass(frozen=True)
class Number:
    """A finite number or None (numeric strings accepted), within [low, high] when given."""

    low: float | None = None
    high: float | None = None
    help: str = ""
    required = False

    def read(self, reader: Reader, name: str) -> float | None:
        return reader.number(name, low=self.low, high=self.high)


@dataclass(frozen=True)
class Timestamp:
    """An ISO 8601 timestamp with a zone, within the event-time window when one is set."""

    required: bool = True
    help: str = "ISO 8601 with a zone"

    def read(self, reader: Reader, name: str) -> datetime | None:
        return reader.timestamp(name, required=self.required)


@dataclass(frozen=True)
class TextList:
    """A list of non-blank strings (integers accepted), duplicates dropped."""

    max_length: int = 50
    max_items: int = 10_000
    help: str = ""
    required = False

    def read(self, reader: Reader, name: str) -> list[str]:
        return reader.text_list(name, max_length=self.max_length, max_items=self.max_items)


@dataclass(frozen=True)
class Ref:
    """A code sent as {"@ref": code} (IEC 61968-9's attribute, as flattened) or as the bare
    string; the key may keep a namespace prefix. `name` names its schema component."""

    name: str
    required: bool = True
    max_length: int = 100
    help: str = ""

    def read(self, reader: Reader, name: str) -> str:
        value = reader.data.get(name)
        if isinstance(value, dict):
            inner = Reader(_unprefixed(value), f"{reader.path(name)}.", reader.errors)
            key = "ref" if "ref" in inner.data and "@ref" not in inner.data else "@ref"
            return inner.text(key, required=self.required, max_length=self.max_length)
        if value is not None and not isinstance(value, str):
            reader.fail(name, "Expected a string or {'@ref': string}.")
            return ""
        return reader.text(name, required=self.required, max_length=self.max_length)


@dataclass(frozen=True)
class Object:
    """A JSON object of declared fields (others are kept in the raw row, unread). `name` names
    its schema component; `prefixed`: its keys may keep a namespace prefix (`ns2:mRID`)."""

    name: str
    fields: dict = field(default_factory=dict)
    required: bool = False
    help: str = ""
    prefixed: bool = False

    def read(self, reader: Reader, name: str) -> dict | None:
        """The child object's declared values, or None when it is absent or not an object."""
        child = reader.child(name, required=self.required)
        if child is None:
            return None
        if self.prefixed:
            child = Reader(_unprefixed(child.data), child.prefix, child.errors)
        return self.read_fields(child)

    def read_fields(self, reader: Reader) -> dict:
        """Every declared field of the object `reader` reads, each by its declaration (its
        errors recorded in the reader under the field's path)."""
        return {name: spec.read(reader, name) for name, spec in self.fields.items()}


def _unprefixed(data: dict) -> dict:
    return {key.rsplit(":", 1)[-1]: value for key, value in data.items()}


COORDINATES = Object(
    "Coordinates",
    {"lat": Number(low=-90, high=90), "lng": Number(low=-180, high=180)},
)
