"""Wire shapes of the ingest API for the OpenAPI schema, plus the replay request.

The provider payloads are parsed by ingest.parsers (they accept envelopes and XML that a
serializer cannot describe); their serializers here are built from the parsers' own field
declarations (ingest/parsers/fields.py), so a field is required, bounded and typed in the
schema exactly as the parser reads it (one-of rules are told in the help texts).
"""

import copy

from rest_framework import serializers

from ingest.models import ProcessingStatus, ProviderName
from ingest.parsers import call_center, kaifa, onu, scada
from ingest.parsers.fields import Choice, Number, Object, Ref, Text, TextList, Timestamp

_BUILT: dict[str, type[serializers.Serializer]] = {}


def serializer_of(declaration: Object | Ref, top: bool = False) -> type[serializers.Serializer]:
    """The serializer class (named `<declaration.name>Serializer`, so its schema component is
    `declaration.name`) that documents a declared object; one class a name. A `top` (request)
    object's help describes its component; a nested one's describes the field holding it."""
    if declaration.name not in _BUILT:
        if isinstance(declaration, Ref):
            fields = {"@ref": Text(max_length=declaration.max_length, required=True)}
            fields["@ref"] = _field(fields["@ref"], "sent as '@ref' (or the bare string)")
        else:
            fields = {name: _field(spec) for name, spec in declaration.fields.items()}

        def get_fields(self, fields=fields):
            return {name: copy.deepcopy(field) for name, field in fields.items()}

        _BUILT[declaration.name] = type(
            f"{declaration.name}Serializer",
            (serializers.Serializer,),
            {"get_fields": get_fields, "__doc__": declaration.help if top else None},
        )
    return _BUILT[declaration.name]


def _field(spec, help_text: str = "") -> serializers.Field:
    help_text = help_text or spec.help or None
    if isinstance(spec, Text):
        extra = {"max_length": spec.max_length} if spec.max_length is not None else {}
        return serializers.CharField(required=spec.required, help_text=help_text, **extra)
    if isinstance(spec, Number):
        return serializers.FloatField(
            required=False,
            allow_null=True,
            min_value=spec.low,
            max_value=spec.high,
            help_text=help_text,
        )
    if isinstance(spec, Choice):
        return serializers.ChoiceField(choices=spec.choices, required=False, help_text=help_text)
    if isinstance(spec, Timestamp):
        return serializers.DateTimeField(required=spec.required, help_text=help_text)
    if isinstance(spec, TextList):
        return serializers.ListField(
            child=serializers.CharField(max_length=spec.max_length),
            required=False,
            max_length=spec.max_items,
            help_text=help_text,
        )
    if isinstance(spec, Object | Ref):
        return serializer_of(spec)(required=spec.required, help_text=help_text)
    raise TypeError(f"no schema for {spec!r}")


ScadaEventSerializer = serializer_of(scada.WIRE, top=True)
OnuEventSerializer = serializer_of(onu.WIRE, top=True)
KaifaEventSerializer = serializer_of(kaifa.WIRE, top=True)
CallCenterTicketSerializer = serializer_of(call_center.WIRE, top=True)


class MeterCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    off = serializers.IntegerField()
    on = serializers.IntegerField()
    unknown = serializers.IntegerField()


class IngestAnswerSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=ProviderName.choices)
    source_event_id = serializers.CharField()
    duplicate = serializers.BooleanField()
    status = serializers.ChoiceField(choices=ProcessingStatus.choices)
    meters = MeterCountsSerializer()
    outage_event_id = serializers.CharField(allow_null=True)
    outage_event_ids = serializers.ListField(child=serializers.CharField())


class DeviceRefSerializer(serializers.Serializer):
    kind = serializers.CharField(allow_null=True, help_text="null when sent without deviceType")
    code = serializers.CharField()


class ScadaAnswerSerializer(IngestAnswerSerializer):
    scada_event_id = serializers.IntegerField()
    meters_checked = serializers.BooleanField()
    total_meters = serializers.IntegerField()
    offline_meters = serializers.IntegerField()
    online_meters = serializers.IntegerField()
    unknown_meters = serializers.IntegerField()
    device = DeviceRefSerializer(
        allow_null=True, help_text="the device the event named, or a status was applied to"
    )
    note = serializers.CharField(
        allow_blank=True, help_text="why the event was not applied or changed nothing"
    )


class KaifaAnswerSerializer(serializers.Serializer):
    provider = serializers.CharField(help_text="kaifa")
    message_id = serializers.CharField()
    duplicate = serializers.BooleanField(help_text="true when every event was a re-delivery")
    events = IngestAnswerSerializer(many=True)


class FieldErrorsField(serializers.DictField):
    """{"field.path": ["why", …]}"""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.ListField(child=serializers.CharField()), **kwargs)


class RejectedEventSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    errors = FieldErrorsField()


class BatchStatusesSerializer(serializers.Serializer):
    processed = serializers.IntegerField()
    unmatched = serializers.IntegerField()
    ignored = serializers.IntegerField()
    stale = serializers.IntegerField()


class BatchAnswerSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="events stored and applied now")
    duplicates = serializers.IntegerField(help_text="re-deliveries of events already stored")
    rejected = RejectedEventSerializer(many=True)
    statuses = BatchStatusesSerializer(help_text="outcome of the accepted events")


class PayloadErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="stable machine-readable reason (see oms/errors.py)")
    errors = FieldErrorsField()


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="stable machine-readable reason (see oms/errors.py)")


class UnmatchedEventSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=ProviderName.choices)
    id = serializers.IntegerField(help_text="the raw row's key in the provider's table")
    source_event_id = serializers.CharField()
    event_type = serializers.CharField()
    evidence = serializers.CharField()
    event_timestamp = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    identifiers = serializers.DictField(help_text="what the registry did not know")


class ReplayRequestSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=ProviderName.choices, required=False)
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=10_000,
        help_text="raw row keys of `provider` (all of its unmatched events when omitted)",
    )

    def validate(self, attrs):
        if "ids" in attrs and "provider" not in attrs:
            raise serializers.ValidationError({"provider": ["Required when ids are given."]})
        return attrs


class ReplayAnswerSerializer(serializers.Serializer):
    replayed = serializers.IntegerField()
    processed = serializers.IntegerField()
    ignored = serializers.IntegerField()
    unmatched = serializers.IntegerField(help_text="still unmatched after the replay")
    providers = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))


class UnmatchedPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = UnmatchedEventSerializer(many=True)


def inline_batch(provider: str, item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The batch request `{"events": [item, …]}` of one provider."""
    name = "".join(part.title() for part in provider.split("_"))
    return type(
        f"{name}BatchSerializer",
        (serializers.Serializer,),
        {"events": item(many=True, max_length=5000)},
    )
