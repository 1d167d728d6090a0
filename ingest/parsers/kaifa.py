"""KAIFA head-end events (IEC 61968-9 EndDeviceEvents): the SOAP 1.1 XML message and the
flattened JSON of the seed's consumer. One ProviderEvent per EndDeviceEvent; the natural key is
`<MessageID>/<EndDeviceEvent mRID>`; the event time is its createdDateTime."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ingest.parsers.common import (
    MAX_BATCH,
    PayloadError,
    ProviderEvent,
    Reader,
    encoded,
    parse_timestamp,
    require_object,
    unwrap,
)
from ingest.parsers.fields import Object, Ref, Text, Timestamp

OWN_KEYS = ("header", "payload")
MAX_ID = 140
MAX_XML_DEPTH = 64
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
MESSAGE_NS = "http://iec.ch/TC57/2011/schema/message"
EVENTS_NS = "http://iec.ch/TC57/2011/EndDeviceEvents#"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: Element | None, name: str) -> str:
    if element is None:
        return ""
    found = _children(element, name)
    return (found[0].text or "").strip() if found else ""


def _to_dict(element: Element):
    """The element as JSON (namespaces dropped, repeated children as lists) for raw_payload."""
    children = list(element)
    if not children:
        value = (element.text or "").strip()
        if element.attrib:
            return {**{f"@{_local(k)}": v for k, v in element.attrib.items()}, "#text": value}
        return value
    result: dict = {f"@{_local(k)}": v for k, v in element.attrib.items()}
    for child in children:
        name, value = _local(child.tag), _to_dict(child)
        if name in result:
            if not isinstance(result[name], list):
                result[name] = [result[name]]
            result[name].append(value)
        else:
            result[name] = value
    return result


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _depth(root: Element) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest


def _namespace_errors(root: Element, headers: list, events: list) -> dict[str, list[str]]:
    """Elements a head-end put in another namespace than IEC 61968-9's (or SOAP 1.1's)."""
    errors: dict[str, list[str]] = {}
    wanted = [("Header", MESSAGE_NS, headers), ("EndDeviceEvent", EVENTS_NS, events)]
    if _local(root.tag) == "Envelope":
        wanted.insert(0, ("Envelope", SOAP_NS, [root]))
    for name, namespace, elements in wanted:
        if any(_namespace(element.tag) != namespace for element in elements):
            errors[name] = [f"Expected in the namespace {namespace}."]
    return errors


def parse_kaifa_xml(body: bytes | str) -> list[ProviderEvent]:
    try:
        root = fromstring(body, forbid_dtd=True)
    except DefusedXmlException as error:
        raise PayloadError({"body": [f"XML refused: {error}."]}) from None
    except (ParseError, ValueError) as error:
        raise PayloadError({"body": [f"Malformed XML: {error}."]}) from None
    if _depth(root) > MAX_XML_DEPTH:
        raise PayloadError({"body": [f"XML nested deeper than {MAX_XML_DEPTH} elements."]})
    headers = [
        el for el in root.iter() if _local(el.tag) == "Header" and _children(el, "MessageID")
    ]
    events = [el for el in root.iter() if _local(el.tag) == "EndDeviceEvent"]
    errors = _namespace_errors(root, headers, events)
    message_id = _text(headers[0], "MessageID") if headers else ""
    if not message_id:
        errors["Header.MessageID"] = ["This field is required."]
    elif len(message_id) > MAX_ID:
        errors["Header.MessageID"] = [f"At most {MAX_ID} characters."]
    if not events:
        errors["Payload.EndDeviceEvents.EndDeviceEvent"] = ["At least one EndDeviceEvent."]
    elif len(events) > MAX_BATCH:
        errors["Payload.EndDeviceEvents.EndDeviceEvent"] = [
            f"At most {MAX_BATCH} EndDeviceEvents a message (the batch limit)."
        ]
    if errors:
        raise PayloadError(errors)
    header = _to_dict(headers[0])
    parsed = []
    for index, element in enumerate(events):
        path = f"EndDeviceEvent[{index}]."
        type_elements = _children(element, "EndDeviceEventType")
        event_type = ""
        if type_elements:
            event_type = (type_elements[0].get("ref") or (type_elements[0].text or "")).strip()
        fields = {
            "event_id": _text(element, "mRID"),
            "created": _text(element, "createdDateTime"),
            "event_type": event_type,
            "asset_mrid": _text(_first(element, "Assets"), "mRID"),
            "usage_point_mrid": _text(_first(element, "UsagePoint"), "mRID"),
            "severity": _text(element, "severity"),
            "reason": _text(element, "reason"),
        }
        names = {
            "event_id": "mRID",
            "created": "createdDateTime",
            "event_type": "EndDeviceEventType.ref",
            "asset_mrid": "Assets.mRID",
            "usage_point_mrid": "UsagePoint.mRID",
            "severity": "severity",
            "reason": "reason",
        }
        raw = {"header": header, "event": _to_dict(element), "format": "soap"}
        created = _xml_checked(fields, path, names, errors)
        if created is not None:
            parsed.append(_event(message_id, fields, created, raw, path))
    if errors:
        raise PayloadError(errors)
    return parsed


def _first(element: Element, name: str) -> Element | None:
    found = _children(element, name)
    return found[0] if found else None


_ONE_MRID = "An asset mRID or a usage point mRID is required."
_MRID = Object(
    "KaifaMrid",
    {"mRID": Text(help="assets.mRID or usage_point.mRID is required")},
    prefixed=True,
)
_HEADER = Object(
    "KaifaHeader",
    {
        "message_id": Text(required=True, max_length=MAX_ID, ids=True),
        "verb": Text(max_length=None),
        "noun": Text(max_length=None),
        "source": Text(max_length=None),
        "timestamp": Text(max_length=None),
    },
    required=True,
)
_PAYLOAD = Object(
    "KaifaPayload",
    {
        "event_id": Text(required=True, max_length=MAX_ID, ids=True, help="EndDeviceEvent mRID"),
        "created_date_time": Timestamp(help="the event time (with a zone)"),
        "event_type": Ref("KaifaEventType", help="PowerOutage, PowerRestored, 3.26.0.85, …"),
        "assets": replace(_MRID, help="the meter's asset mRID"),
        "usage_point": replace(_MRID, help="the meter's usage point, when the asset is not known"),
        "severity": Text(max_length=20),
        "reason": Text(max_length=10_000),
    },
    required=True,
)
WIRE = Object(
    "KaifaEvent",
    {"message_type": Text(max_length=None), "header": _HEADER, "payload": _PAYLOAD},
    help="The flattened JSON of one EndDeviceEvent (keys may keep their `ns2:` prefix).",
)
# The SOAP form's texts, held to the same declarations.
_XML_FIELDS = {
    "event_id": _PAYLOAD.fields["event_id"],
    "event_type": _PAYLOAD.fields["event_type"],
    "asset_mrid": _MRID.fields["mRID"],
    "usage_point_mrid": _MRID.fields["mRID"],
    "severity": _PAYLOAD.fields["severity"],
    "reason": _PAYLOAD.fields["reason"],
}


def parse_kaifa_json(payload) -> list[ProviderEvent]:
    """The flattened JSON form (keys may keep their `ns2:` prefixes)."""
    payload = require_object(payload)
    message, prefix, _ = unwrap(payload, OWN_KEYS)
    message = require_object(message, prefix.rstrip(".") or "body")
    reader = Reader(message, prefix)
    values = WIRE.read_fields(reader)
    header, body = values["header"], values["payload"]
    if body is not None:
        assets, usage_point = body["assets"] or {}, body["usage_point"] or {}
        if not assets.get("mRID") and not usage_point.get("mRID"):
            named = (reader.path("payload.assets"), reader.path("payload.usage_point"))
            if not any(key.startswith(named) for key in reader.errors):
                reader.errors.setdefault(reader.path("payload.assets.mRID"), []).append(_ONE_MRID)
    if reader.errors or header is None or body is None:
        raise PayloadError(reader.errors)
    fields = {
        "event_id": body["event_id"],
        "event_type": body["event_type"],
        "asset_mrid": assets.get("mRID", ""),
        "usage_point_mrid": usage_point.get("mRID", ""),
        "severity": body["severity"],
        "reason": body["reason"],
    }
    return [_event(header["message_id"], fields, body["created_date_time"], payload, prefix)]


def _xml_checked(fields: dict, path: str, names: dict, errors: dict) -> datetime | None:
    """The event time of one SOAP EndDeviceEvent, or None with its bad fields added to
    `errors`: the JSON form's declarations (required, limits) applied to the XML's texts."""
    bad: list[tuple[str, str]] = []
    for key, spec in _XML_FIELDS.items():
        if spec.required and not fields[key]:
            bad.append((key, "This field is required."))
        elif spec.max_length is not None and len(fields[key]) > spec.max_length:
            bad.append((key, f"At most {spec.max_length} characters."))
    if not fields["asset_mrid"] and not fields["usage_point_mrid"]:
        bad.append(("asset_mrid", _ONE_MRID))
    created, reason = None, "This field is required."
    if fields["created"]:
        created, reason = parse_timestamp(fields["created"])
    if reason:
        bad.append(("created", reason))
    for key, why in bad:
        errors.setdefault(f"{path}{names[key]}", []).append(why)
    return None if bad else created


def _event(message_id: str, fields: dict, created: datetime, raw, path: str) -> ProviderEvent:
    return ProviderEvent(
        provider="kaifa",
        source_event_id=f"{message_id}/{fields['event_id']}",
        event_time=created,
        event_type=fields["event_type"],
        codes=[("EndDeviceEventType", fields["event_type"])],
        match_tiers=_tiers(fields["asset_mrid"], fields["usage_point_mrid"]),
        columns={
            "message_id": message_id,
            "event_mrid": fields["event_id"],
            "event_type_ref": fields["event_type"],
            "asset_mrid": fields["asset_mrid"],
            "usage_point_mrid": fields["usage_point_mrid"],
            "severity": fields["severity"],
            "reason": fields["reason"],
        },
        raw_payload=encoded(raw, path.rstrip(".") or "body"),
    )


def _tiers(asset_mrid: str, usage_point_mrid: str) -> list[list[tuple[str, str]]]:
    tiers = []
    if asset_mrid:
        tiers.append([("asset_mrid", asset_mrid), ("meter_number", asset_mrid)])
    if usage_point_mrid:
        tiers.append([("usage_point_mrid", usage_point_mrid)])
    return tiers


def kaifa_from_row(row: dict) -> ProviderEvent:
    return ProviderEvent(
        provider="kaifa",
        source_event_id=row["source_event_id"],
        event_time=row["event_timestamp"],
        event_type=row["event_type_ref"],
        codes=[],
        match_tiers=_tiers(row["asset_mrid"], row["usage_point_mrid"]),
        columns={},
        raw_payload=b"{}",
        evidence=row["evidence"],
    )
