"""Ingest endpoints (one per provider, single and batch) and the unmatched-events list and replay.

Views are thin: read the body within the size limit, parse it with ingest.parsers, hand the
records to ingest.actions, answer. Nothing is written when a payload is refused.
"""

from __future__ import annotations

from django.conf import settings
from django.http.request import RawPostDataException
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from ingest import actions
from ingest.api import serializers as wire
from ingest.eventtime import event_times_checked
from ingest.models import ProviderName
from ingest.parsers import (
    MAX_BATCH,
    PayloadError,
    check_storable,
    loads,
    parse_call_center,
    parse_json,
    parse_kaifa_json,
    parse_kaifa_xml,
    parse_onu,
    parse_scada,
)
from ingest.scada_status import DeviceStatusBusy
from ingest.unmatched import UnmatchedEvents
from oms import errors as oms_errors
from oms import metrics
from oms.api import PayloadTooLarge
from oms.models import Scope

_BOM = b"\xef\xbb\xbf"


def read_body(request) -> bytes:
    """The request body, refused with 413 past DATA_UPLOAD_MAX_MEMORY_SIZE (read no further).

    Read from Django's request, not DRF's stream: DRF sees no body without a Content-Length,
    and head-ends may send theirs chunked.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if limit is not None and declared > limit:
        raise PayloadTooLarge(f"Request body is larger than {limit} bytes.")
    django_request = request._request
    if getattr(django_request, "_read_started", False):
        try:  # already read by a form parser (a browser session's CSRF check): kept in .body
            body = django_request.body
        except RawPostDataException:
            body = b""
    else:
        body = django_request.read(limit + 1) if limit is not None else django_request.read()
    if limit is not None and len(body) > limit:
        raise PayloadTooLarge(f"Request body is larger than {limit} bytes.")
    return body


def refused(provider: str, errors: dict) -> Response:
    if provider in PARSERS:  # never a label a client makes up
        metrics.count_rejected(provider)
    code = oms_errors.INVALID_PAYLOAD if provider in PARSERS else oms_errors.UNKNOWN_PROVIDER
    return oms_errors.refusal(
        400, code, f"Invalid {provider} payload; nothing was stored.", errors=errors
    )


def device_busy(busy: Exception) -> Response:
    """503 + Retry-After: a device status met another operation on its device; nothing stored."""
    seconds = settings.DATABASE_UNAVAILABLE_RETRY_AFTER
    response = oms_errors.refusal(
        503,
        oms_errors.DEVICE_BUSY,
        f"{busy} Nothing was stored; send it again.",
        retry_after=seconds,
    )
    response["Retry-After"] = str(seconds)
    return response


def is_xml(body: bytes, content_type: str) -> bool:
    return "xml" in (content_type or "").lower() or body.removeprefix(_BOM).lstrip()[:1] == b"<"


def parse_kaifa(item) -> list:
    """A KAIFA message: SOAP XML text or the flattened JSON of one EndDeviceEvent."""
    if isinstance(item, str):
        return parse_kaifa_xml(item.encode())
    return parse_kaifa_json(item)


PARSERS = {
    "scada": parse_scada,
    "onu": parse_onu,
    "kaifa": parse_kaifa,
    "call_center": parse_call_center,
}

ERRORS = {
    400: OpenApiResponse(wire.PayloadErrorSerializer, description="bad payload, nothing stored"),
    401: OpenApiResponse(wire.DetailSerializer, description="no or invalid credentials"),
    403: OpenApiResponse(wire.DetailSerializer, description="the token lacks the scope"),
    413: OpenApiResponse(wire.DetailSerializer, description="body over the size limit"),
    429: OpenApiResponse(wire.DetailSerializer, description="throttled"),
}


class IngestBaseView(APIView):
    """Shared by the ingest endpoints: token scope `ingest:<provider>`, throttle, own parsing."""

    provider = ""
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "ingest"
    # The body is read (bounded) and parsed here: JSON, XML, envelopes, whatever the type says.
    parser_classes = []

    @property
    def required_scope(self) -> str:
        return f"ingest:{self.provider}"


class SingleIngestView(IngestBaseView):
    def post(self, request, *args, **kwargs):
        body = read_body(request)
        try:
            with event_times_checked():
                if self.provider == "kaifa" and is_xml(body, request.content_type):
                    records = parse_kaifa_xml(body)
                else:
                    records = PARSERS[self.provider](loads(body))
        except PayloadError as error:
            return refused(self.provider, error.errors)
        if self.provider == "scada":
            try:
                outcome, refusals = actions.ingest_scada_events([records])
            except DeviceStatusBusy as busy:
                return device_busy(busy)
            if refusals:
                return refused(self.provider, refusals[0])
            answer = outcome.answers[0]
        elif self.provider == "kaifa":
            outcome = actions.ingest_events("kaifa", records)
            answer = {
                "provider": "kaifa",
                "message_id": records[0].columns["message_id"],
                "duplicate": outcome.new == 0,
                "events": outcome.answers,
            }
        else:
            outcome = actions.ingest_events(self.provider, [records])
            answer = outcome.answers[0]
        code = status.HTTP_201_CREATED if outcome.new else status.HTTP_200_OK
        return Response(answer, status=code)


class BatchIngestView(IngestBaseView):
    def post(self, request, *args, **kwargs):
        body = read_body(request)
        try:
            # What PostgreSQL cannot store (NUL, invalid text) is refused event by event below.
            payload, suspect = parse_json(body)
        except PayloadError as error:
            return refused(self.provider, error.errors)
        items = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(items, list):
            return refused(self.provider, {"events": ["Expected {'events': [ … ]}."]})
        if len(items) > MAX_BATCH:
            return refused(self.provider, {"events": [f"At most {MAX_BATCH} events a batch."]})
        parse = PARSERS[self.provider]
        rejected, valid, origin = [], [], []
        with event_times_checked():
            for index, item in enumerate(items):
                try:
                    if suspect:
                        check_storable(item)
                    parsed = parse(item)
                except PayloadError as error:
                    rejected.append({"index": index, "errors": error.errors})
                    continue
                records = parsed if isinstance(parsed, list) else [parsed]
                valid.extend(records)
                origin.extend([index] * len(records))
        if self.provider == "scada":
            try:
                outcome, refusals = actions.ingest_scada_events(valid)
            except DeviceStatusBusy as busy:
                return device_busy(busy)
            rejected.extend({"index": origin[i], "errors": e} for i, e in refusals.items())
            rejected.sort(key=lambda item: item["index"])
        else:
            outcome = actions.ingest_events(self.provider, valid)
        metrics.count_rejected(self.provider, len(rejected))
        return Response(
            {
                "accepted": outcome.new,
                "duplicates": outcome.duplicates,
                "rejected": rejected,
                "statuses": {name: outcome.statuses[name] for name in actions.STATUSES},
            }
        )


_REQUESTS = {
    "scada": {"application/json": wire.ScadaEventSerializer},
    "onu": {"application/json": wire.OnuEventSerializer},
    "kaifa": {"application/json": wire.KaifaEventSerializer, "text/xml": OpenApiTypes.STR},
    "call_center": {"application/json": wire.CallCenterTicketSerializer},
}
_ANSWERS = {
    "scada": wire.ScadaAnswerSerializer,
    "onu": wire.IngestAnswerSerializer,
    "kaifa": wire.KaifaAnswerSerializer,
    "call_center": wire.IngestAnswerSerializer,
}
_SUMMARIES = {
    "scada": "SCADA alarm (bare or in its Kafka envelope)",
    "onu": "ONU alarm (dying gasp, power restored)",
    "kaifa": "KAIFA IEC 61968-9 EndDeviceEvents: SOAP 1.1 XML (text/xml) or flattened JSON",
    "call_center": "Call-center ticket (plain, intake envelope, or HTTP-capture form)",
}


def _batch_request(provider: str):
    item = _REQUESTS[provider]["application/json"]
    return {
        "application/json": wire.inline_batch(provider, item),
    }


def _provider_views(provider: str) -> tuple[type, type]:
    name = "".join(part.title() for part in provider.split("_"))
    single = type(f"{name}IngestView", (SingleIngestView,), {"provider": provider})
    batch = type(f"{name}BatchIngestView", (BatchIngestView,), {"provider": provider})
    single_schema = extend_schema(
        operation_id=f"ingest_{provider}",
        summary=f"Ingest one {_SUMMARIES[provider]}",
        description="201 when new, 200 with the same body when re-delivered (same natural key).",
        request=_REQUESTS[provider],
        responses={
            201: _ANSWERS[provider],
            200: OpenApiResponse(_ANSWERS[provider], description="re-delivery"),
            **ERRORS,
        },
        tags=["ingest"],
    )
    batch_schema = extend_schema(
        operation_id=f"ingest_{provider}_batch",
        summary=f"Ingest up to {MAX_BATCH} {provider} events",
        description="Valid events are applied; invalid ones are reported by index.",
        request=_batch_request(provider),
        responses={200: wire.BatchAnswerSerializer, **ERRORS},
        tags=["ingest"],
    )
    return (
        extend_schema_view(post=single_schema)(single),
        extend_schema_view(post=batch_schema)(batch),
    )


PROVIDER_VIEWS = {provider: _provider_views(provider) for provider in ProviderName.values}


@extend_schema(exclude=True)
class UnknownProviderView(APIView):
    """Any other /api/ingest/<name>/: 401 without credentials, else 400 naming the provider."""

    permission_classes = []
    parser_classes = []

    def post(self, request, provider, *args, **kwargs):
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        return refused(
            provider,
            {"provider": [f"Unknown provider {provider!r}; one of {', '.join(PARSERS)}."]},
        )


def flat_errors(errors, path: str = "") -> dict[str, list[str]]:
    """DRF's nested serializer errors as {"field.path": [reasons]} (list items as `ids[3]`)."""
    if isinstance(errors, dict):
        flat: dict[str, list[str]] = {}
        for key, value in errors.items():
            name = f"{path}[{key}]" if str(key).isdigit() else f"{path}.{key}" if path else key
            flat.update(flat_errors(value, name))
        return flat
    if isinstance(errors, list) and errors and not isinstance(errors[0], str):
        flat = {}
        for index, value in enumerate(errors):
            flat.update(flat_errors(value, f"{path}[{index}]"))
        return flat
    return {path or "body": [str(reason) for reason in errors]}


def invalid_request(errors: dict) -> Response:
    return oms_errors.refusal(
        400, oms_errors.INVALID_REQUEST, "Invalid request.", errors=flat_errors(errors)
    )


class UnmatchedListView(APIView):
    required_scope = Scope.READ

    @extend_schema(
        operation_id="unmatched_list",
        summary="Stored events that matched no meter or device",
        parameters=[
            OpenApiParameter("provider", enum=ProviderName.values, required=False),
            OpenApiParameter("page", int, required=False),
        ],
        responses={
            200: wire.UnmatchedPageSerializer,
            400: ERRORS[400],
            401: ERRORS[401],
            403: ERRORS[403],
            404: OpenApiResponse(wire.DetailSerializer, description="no such page"),
        },
        tags=["ingest"],
    )
    def get(self, request):
        provider = request.query_params.get("provider") or None
        if provider is not None and provider not in PARSERS:
            return invalid_request({"provider": [f"One of {', '.join(PARSERS)}."]})
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(UnmatchedEvents(provider), request, view=self)
        return paginator.get_paginated_response(page)


class UnmatchedReplayView(APIView):
    required_scope = Scope.OPERATE
    parser_classes = []  # read here, so a bad body is a 400 of the same shape as ingest's

    @extend_schema(
        operation_id="unmatched_replay",
        summary="Apply unmatched events again (after the registry was fixed)",
        description="An empty body replays every unmatched event of every provider.",
        request={"application/json": wire.ReplayRequestSerializer},
        responses={
            200: wire.ReplayAnswerSerializer,
            400: ERRORS[400],
            401: ERRORS[401],
            403: ERRORS[403],
            413: ERRORS[413],
        },
        tags=["ingest"],
    )
    def post(self, request):
        body = read_body(request)
        try:
            data = loads(body) if body.strip() else {}
        except PayloadError as error:
            return invalid_request(error.errors)
        if not isinstance(data, dict):
            return invalid_request({"body": ["Expected a JSON object."]})
        serializer = wire.ReplayRequestSerializer(data=data)
        if not serializer.is_valid():
            return invalid_request(serializer.errors)
        return Response(actions.replay_unmatched(**serializer.validated_data))
