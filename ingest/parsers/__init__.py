"""Payload parsers of the four provider feeds. Each turns a provider's native payload (bare, in
its Kafka envelope, or as XML) into validated records, raising PayloadError naming bad fields."""

from ingest.parsers.call_center import call_center_from_row, parse_call_center
from ingest.parsers.common import (
    MAX_BATCH,
    PayloadError,
    ProviderEvent,
    check_storable,
    loads,
    parse_json,
)
from ingest.parsers.kaifa import kaifa_from_row, parse_kaifa_json, parse_kaifa_xml
from ingest.parsers.onu import onu_from_row, parse_onu
from ingest.parsers.scada import parse_scada

__all__ = [
    "MAX_BATCH",
    "PayloadError",
    "ProviderEvent",
    "call_center_from_row",
    "check_storable",
    "kaifa_from_row",
    "loads",
    "onu_from_row",
    "parse_call_center",
    "parse_json",
    "parse_kaifa_json",
    "parse_kaifa_xml",
    "parse_onu",
    "parse_scada",
]
